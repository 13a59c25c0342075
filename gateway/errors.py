"""One exception tree: a stable `code` and HTTP `status` for every failure the gateway reports."""

from __future__ import annotations


class GatewayError(Exception):
    """A failure answered to the client with a short, safe message; the reason goes to the log."""

    status: int = 500
    code: str = "internal_error"
    public: str = "The gateway could not handle this request."
    # (label, same-origin URL) a browser's error page offers as the way on, e.g. "Sign in again".
    link: tuple[str, str] | None = None

    def __init_subclass__(cls, *, status: int = 0, code: str = "", public: str = "") -> None:
        # Each failure states its answer in its class line: `class Gone(GatewayError, status=410, ...)`;
        # a public message too long for that line is a class attribute instead.
        super().__init_subclass__()
        if status:
            cls.status = status
        if code:
            cls.code = code
        if public:
            cls.public = public

    def __init__(self, reason: str = "", *, public: str | None = None) -> None:
        super().__init__(reason or self.code)
        self.reason = reason or self.code
        # Extra response headers (Retry-After, WWW-Authenticate, ...).
        self.headers: dict[str, str] = {}
        if public is not None:
            self.public = public


class BadRequest(GatewayError, status=400, code="bad_request", public="The request could not be understood."):
    """The request is malformed or ambiguous (for example a path with dot-segments)."""


# The status families: a failure names its family and states only its code and public message.
class Unauthorized(GatewayError, status=401):
    """The request carries no valid credentials (a session, a token) for what it asks."""


class Forbidden(GatewayError, status=403):
    """The request is understood and refused; signing in again would not change that."""


class Unavailable(GatewayError, status=503):
    """Something the answer depends on is out of reach for now; the client may retry."""


class NoRoute(GatewayError, status=404, code="no_route", public="No route matches this request."):
    """No route's condition holds for the request."""


class RouteFailClosed(Unavailable, code="route_unavailable"):
    """The route's file failed to load, so its traffic is refused rather than falling through."""

    public = "This route is unavailable because its configuration failed to load."


class UpstreamUnavailable(GatewayError, status=502, code="upstream_unavailable"):
    """The upstream refused the connection or broke it."""

    public = "The upstream service is unavailable."


class UpstreamTimeout(GatewayError, status=504, code="upstream_timeout"):
    """The upstream did not answer in time."""

    public = "The upstream service did not answer in time."


class ConfigError(Exception):
    """A problem in a route or config file, located by file and JSON path."""

    def __init__(self, path: str, message: str, file: str | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.file = file

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        return f"{where}{self.path}: {self.message}"

    def as_dict(self) -> dict[str, str | None]:
        """The error as JSON for the admin API and the studio."""
        return {"file": self.file, "path": self.path, "message": self.message}


class ConfigErrors(Exception):
    """Every problem found in one file, reported at once."""

    def __init__(self, errors: list[ConfigError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors
