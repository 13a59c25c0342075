"""The browser session of a login: found from the request's cookies, its access token refreshed when it
is about to expire, its activity recorded, and its cookies written again when either changed. Shared by
the login filters (OidcLoginFilter, OAuth2ClientFilter), which differ only in how they start a login."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiohttp import web

from gateway.auth.refresh import Refresher
from gateway.auth.transaction import COOKIE_PREFIX, strip_transaction_cookies
from gateway.errors import GatewayError
from gateway.keys import EXCHANGE
from gateway.sessions.manager import sessions_of

if TYPE_CHECKING:
    from gateway.auth.flow import BrowserLogin
    from gateway.sessions.model import Session

log = logging.getLogger("gateway.auth")

# Set when the session cookie must be written again (new tokens, or activity).
_REISSUE: web.RequestKey[bool] = web.RequestKey("auth_session_reissue")


class SessionAuth:
    """The sessions of some providers of one browser login."""

    def __init__(
        self, login: BrowserLogin, providers: tuple[str, ...], refresh_before: float, *, keep: bool = False
    ) -> None:
        self.login = login
        self.providers = providers
        # keep: a refresh that cannot reach the provider keeps the session until it expires.
        self.refresher = Refresher(login, refresh_before, keep=keep)

    async def session(self, request: web.BaseRequest) -> Session | None:
        """The request's usable session of these providers (refreshed if due), recorded on the exchange."""
        sessions = sessions_of(self.login.services)
        session = await sessions.from_request(request)
        if session is None or session.provider not in self.providers:
            return None
        reissue = False
        if self.refresher.due(session):
            try:
                fresh = await self.refresher.refresh(session)
            except GatewayError as error:
                log.info("session %s… ended: refresh failed: %s", session.id[:8], error.reason)
                return None
            reissue, session = fresh.tokens != session.tokens, fresh
        if sessions.touch_due(session):
            reissue = await sessions.touch(session) or reissue
        request[EXCHANGE].session = session
        # Always set: reading a key the request lacks costs a KeyError raised and caught.
        request[_REISSUE] = reissue
        return session

    @staticmethod
    def keep_cookies(request: web.BaseRequest) -> None:
        """Keep the login's transaction cookies from the upstream (the dispatcher strips the session's)."""
        # A substring test first: parsing every cookie of every request costs more than the rare strip.
        # It reads the headers as forwarded, without the session's cookies (the longest) when stripped.
        exchange = request[EXCHANGE]
        values = exchange.request_headers(request.headers).getall("Cookie", ())
        if values and any(COOKIE_PREFIX in value for value in values):
            strip_transaction_cookies(exchange.edit_headers(request.headers))

    def reissue(self, request: web.BaseRequest, response: web.StreamResponse) -> web.StreamResponse:
        """Write the session cookies again when a refresh or new activity changed the session."""
        if request.get(_REISSUE) and not response.prepared:
            sessions = sessions_of(self.login.services)
            session = request[EXCHANGE].session
            for name, value, attrs in sessions.cookies_for(session, sessions.secure_for(request), request):
                response.set_cookie(name, value, **attrs)
        return response
