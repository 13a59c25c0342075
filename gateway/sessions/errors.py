"""The failures session code reports to clients."""

from __future__ import annotations

from gateway.errors import GatewayError, Unauthorized, Unavailable


class SessionExpired(Unauthorized, code="session_expired", public="Your session has ended; sign in again."):
    """The session ended (for example its tokens could not be refreshed); the user signs in again."""


class SessionRequired(Unauthorized, code="session_required", public="Sign in to continue."):
    """The route needs a session and the request carries none that is valid."""


class SessionTooLarge(GatewayError, status=500, code="session_too_large"):
    """The session does not fit in the cookies a browser keeps; it is refused, never truncated."""

    public = "The session is too large to be kept; ask the administrator to map fewer claims."


class SessionsUnavailable(Unavailable, code="sessions_unavailable"):
    """Sessions are used before the gateway has started them (or after it stopped)."""

    public = "The service is starting or stopping; retry shortly."


class SessionStoreDown(Unavailable, code="session_store_unavailable"):
    """The shared store is unreachable, so a session cannot be checked against revocations: refused."""

    public = "Sessions cannot be checked right now; retry in a moment."
