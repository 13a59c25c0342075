"""Who may use the studio's API: on only when enabled, a bearer token when one is set, and
state-changing calls same-origin with the CSRF token.

A cross-site page can make a browser send a request but cannot read the CSRF token (the API
sends no CORS headers), nor add a custom header without a preflight that is never granted."""

from __future__ import annotations

import base64
import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from gateway.sessions.keys import derive_key, session_key
from gateway.settings import Settings

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CSRF_HEADER = "X-CSRF-Token"
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
_SAME_SITE = frozenset({"same-origin", "none"})


def problem(status: int, code: str, message: str) -> web.Response:
    """A JSON error the studio shows as it is."""
    return web.json_response({"error": code, "message": message}, status=status, headers={"Cache-Control": "no-store"})


def csrf_token(settings: Settings) -> str:
    """The CSRF token, derived from the session key so that every worker agrees on it."""
    key = session_key(settings.sessions.secret, settings.state)
    return base64.urlsafe_b64encode(derive_key(key, "studio csrf")).decode().rstrip("=")


class Refused(Exception):
    """A call the API refuses: its status, code and message (and more fields for the answer)."""

    def __init__(self, status: int, code: str, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.answer = (status, code, message, extra or {})

    def response(self) -> web.Response:
        """The JSON answer."""
        status, code, message, extra = self.answer
        body = {"error": code, "message": message, **extra}
        return web.json_response(body, status=status, headers={"Cache-Control": "no-store"})


class Guard:
    """Wraps the studio's API handlers with its access rules; built once per admin app."""

    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.studio.enabled
        self.token = settings.studio.token
        self.csrf = csrf_token(settings) if self.enabled else ""

    def __call__(self, handler: Handler) -> Handler:
        """`handler` behind the rules."""

        async def guarded(request: web.Request) -> web.StreamResponse:
            refusal = self.refusal(request)
            if refusal is not None:
                return refusal
            try:
                return await handler(request)
            except Refused as refused:
                return refused.response()

        return guarded

    def refusal(self, request: web.Request) -> web.Response | None:
        """The answer refusing `request`, or None when it may go on."""
        if not self.enabled:
            return problem(404, "not_found", "the studio is disabled (studio: {enabled: true} in gateway.yaml)")
        if self.token is not None and not self._bearer(request):
            return web.json_response(
                {"error": "unauthorized", "message": "send Authorization: Bearer <studio token>"},
                status=401,
                headers={"WWW-Authenticate": 'Bearer realm="studio"'},
            )
        if request.method in _SAFE:
            return None
        return self._cross_origin(request) or self._no_csrf(request)

    def _bearer(self, request: web.Request) -> bool:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        token = (self.token or "").encode()
        return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token)

    def _cross_origin(self, request: web.Request) -> web.Response | None:
        origin = request.headers.get("Origin")
        own = f"{request.scheme}://{request.host}"
        if origin is not None and origin != own:
            return problem(403, "cross_origin", f"Origin {origin} is not this listener ({own}): same-origin only")
        site = request.headers.get("Sec-Fetch-Site")
        if site is not None and site not in _SAME_SITE:
            return problem(403, "cross_origin", f"Sec-Fetch-Site: {site}: same-origin only")
        return None

    def _no_csrf(self, request: web.Request) -> web.Response | None:
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or not hmac.compare_digest(sent.encode(), self.csrf.encode()):
            message = f"missing or wrong {CSRF_HEADER} header (GET /admin/api/studio/csrf gives it)"
            return problem(403, "csrf", message)
        return None
