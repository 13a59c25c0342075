"""SessionFilter: admits requests that carry a live browser session cookie, 401 otherwise."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from aiohttp import web
from pydantic import BaseModel, ConfigDict

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

    class Config(BaseModel):
        model_config = ConfigDict(extra="forbid")

    def __init__(self, services: Services) -> None:
        self.services = services

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self:
        """Nothing to compile: the session settings are global."""
        return cls(ctx.services)

    async def authenticate(self, request: web.BaseRequest) -> Identity | None:
        """The session's identity, or None without a live session cookie."""
        sessions = sessions_of(self.services)
        session = await sessions.from_request(request)
        if session is None:
            return None
        request[EXCHANGE].session = session
        if await sessions.touch(session):
            request[_REISSUE] = True
        return session.identity()

    async def challenge(self, request: web.BaseRequest) -> web.StreamResponse:
        """401, removing any dead session cookie."""
        response = error_response(request, SessionRequired("no live session cookie"), request[EXCHANGE].request_id)
        set_cookies(response, sessions_of(self.services).clear_cookies(request))
        return response

    async def respond(self, request: web.BaseRequest, response: web.StreamResponse) -> web.StreamResponse:
        """A fresh cookie when last_seen moved, so that the idle timeout counts from now."""
        session = request[EXCHANGE].session
        if request.get(_REISSUE) and session is not None:
            sessions = sessions_of(self.services)
            set_cookies(response, sessions.cookies_for(session, sessions.secure_for(request), request))
        return response
