"""SessionFilter: admits requests that carry a live browser session cookie, 401 otherwise."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from aiohttp import web
from yarl import URL

from gateway.auth.private_responses import PRIVATE, PrivateResponsesConfig
from gateway.filters.auth import AuthFilter
from gateway.keys import EXCHANGE
from gateway.ops.errorpage import error_response
from gateway.sessions.cookies import set_cookies
from gateway.sessions.errors import SessionRequired
from gateway.sessions.manager import sessions_of

if TYPE_CHECKING:
    from gateway.heap.context import BuildContext
    from gateway.identity import Identity
    from gateway.services import Services

# Set when this request moved the session's last_seen, so the response carries a fresh cookie;
# private to this filter, hence declared here rather than with the app-wide keys.
_REISSUE: web.RequestKey[bool] = web.RequestKey("session_reissue")


class SessionFilter(AuthFilter):
    """Requires a session made by a login elsewhere (no login of its own); sets the identity."""

    class Config(PrivateResponsesConfig):
        pass

    def __init__(self, services: Services, cache_control: str | None = PRIVATE, sign_in: str | None = None) -> None:
        self.services = services
        self.cache_control = cache_control
        self.sign_in = sign_in

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self:
        """Nothing to compile: the session settings are global; refusals link to the login page, if served."""
        login_path = ctx.services.settings.auth.loginPath
        sign_in = login_path if login_path in ctx.services.endpoints else None
        return cls(ctx.services, config.cacheControl, sign_in)

    async def authenticate(self, request: web.BaseRequest) -> Identity | None:
        """The session's identity, or None without a live session cookie."""
        sessions = sessions_of(self.services)
        session = await sessions.from_request(request)
        if session is None:
            return None
        request[EXCHANGE].session = session
        # Always set: reading a key the request lacks costs a KeyError raised and caught.
        request[_REISSUE] = sessions.touch_due(session) and await sessions.touch(session)
        return session.identity()

    async def challenge(self, request: web.BaseRequest) -> web.StreamResponse:
        """401 (offering to sign in, when the gateway has a login page), removing any dead session cookie."""
        refusal = SessionRequired("no live session cookie")
        if self.sign_in is not None:
            return_to = request.raw_path if request.method in ("GET", "HEAD") else "/"
            refusal.link = ("Sign in again", str(URL(self.sign_in).with_query(rd=return_to)))
        response = error_response(request, refusal, request[EXCHANGE].request_id)
        set_cookies(response, sessions_of(self.services).clear_cookies(request))
        return response

    async def respond(self, request: web.BaseRequest, response: web.StreamResponse) -> web.StreamResponse:
        """A fresh cookie when last_seen moved, so that the idle timeout counts from now."""
        session = request[EXCHANGE].session
        if request.get(_REISSUE) and session is not None:
            sessions = sessions_of(self.services)
            set_cookies(response, sessions.cookies_for(session, sessions.secure_for(request), request))
        return response
