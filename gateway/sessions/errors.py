"""The failures session code reports to clients."""

from __future__ import annotations

from gateway.errors import GatewayError


class SessionExpired(GatewayError):
    """The session ended (for example its tokens could not be refreshed); the user signs in again."""

    status = 401
    code = "session_expired"
    public = "Your session has ended; sign in again."


class SessionRequired(GatewayError):
    """The route needs a session and the request carries none that is valid."""

    status = 401
    code = "session_required"
    public = "Sign in to continue."


class SessionTooLarge(GatewayError):
    """The session does not fit in the cookies a browser keeps; it is refused, never truncated."""

    status = 500
    code = "session_too_large"
    public = "The session is too large to be kept; ask the administrator to map fewer claims."


class SessionsUnavailable(GatewayError):
    """Sessions are used before the gateway has started them (or after it stopped)."""

    status = 503
    code = "sessions_unavailable"
    public = "The service is starting or stopping; retry shortly."


class SessionStoreDown(GatewayError):
    """The shared store is unreachable, so a session cannot be checked against revocations: refused."""

    status = 503
    code = "session_store_unavailable"
    public = "Sessions cannot be checked right now; retry in a moment."
