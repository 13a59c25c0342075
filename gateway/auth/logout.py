"""RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) at `auth.logoutPath`.

GET shows a confirmation page whose form carries a CSRF token (a MAC of the session id); POST
with that token ends the local session, clears its cookies and sends the browser to the
provider's `end_session_endpoint` with `id_token_hint`, `post_logout_redirect_uri` (this same
path) and a sealed `state` holding the same-origin return target. Back here with that `state`,
the browser goes on to the target. Without a session, every step just succeeds (idempotent).

Browsers apply the page's `form-action` to the redirects that follow its form post, so the page
names the provider's end-session origin there (the only other origin the flow reaches), and the
logout finishes in the browser with nothing loosened elsewhere. The logout ends with
Clear-Site-Data (`site_data`).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from aiohttp import web
from yarl import URL

from gateway.auth import pages
from gateway.auth.errors import CsrfRefused
from gateway.auth.redirects import origin, safe_return_path
from gateway.auth.site_data import SiteData
from gateway.oauth.errors import ProviderError
from gateway.sessions.manager import sessions_of

if TYPE_CHECKING:
    from gateway.auth.flow import BrowserLogin
    from gateway.sessions.model import Session

log = logging.getLogger("gateway.auth")

STATE_LIFETIME = 600.0


class Logout:
    """The handler at `auth.logoutPath`."""

    def __init__(self, login: BrowserLogin) -> None:
        self.login = login
        self.site_data = SiteData(login.services.settings.auth.clearSiteData, login.paths.logout)

    async def __call__(self, request: web.BaseRequest) -> web.StreamResponse:
        """GET: confirm (or come back from the provider); POST: sign out."""
        if request.method == "POST":
            return await self._sign_out(request)
        if request.method not in ("GET", "HEAD"):
            return web.Response(status=405, headers={"Allow": "GET, HEAD, POST"})
        if "state" in request.query:
            return self._returned(request, request.query["state"])
        return_to = safe_return_path(request.query.get("rd"))
        session = await sessions_of(self.login.services).from_request(request)
        if session is None:
            return pages.signed_out(return_to)
        endpoint = await self._end_session_endpoint(session)
        targets = [found] if endpoint and (found := pages.origin_of(endpoint)) else []
        csrf = self.login.keys.csrf_token(session.id)
        return pages.logout_confirmation(self.login.paths.logout, csrf, return_to, targets)

    async def _sign_out(self, request: web.BaseRequest) -> web.StreamResponse:
        form = await request.post()
        return_to = safe_return_path(_text(form.get("rd")))
        sessions = sessions_of(self.login.services)
        session = await sessions.from_request(request)
        response = _redirect(return_to)
        if session is not None:
            if not self.login.keys.check_csrf(session.id, _text(form.get("csrf")) or ""):
                raise CsrfRefused(f"logout of session {session.id[:8]}… without its CSRF token")
            await sessions.end_session(session, reason="logout", initiator="user")
            await self._leave(request, response, session, return_to)
        for name, value, attrs in sessions.clear_cookies(request):
            response.set_cookie(name, value, **attrs)
        return response

    async def _leave(self, request: web.BaseRequest, response: web.Response, session: Session, return_to: str) -> None:
        """Send the browser on to the provider's logout, or finish here when there is none."""
        provider = self.login.providers.get(session.provider)
        endpoint = await self._end_session_endpoint(session)
        if provider is None or endpoint is None:
            self.site_data.clear(response)
            return
        nonce = self.site_data.on_leaving(response, sessions_of(self.login.services).secure_for(request))
        state = self.login.keys.logout_states.seal({"rd": return_to, "exp": time.time() + STATE_LIFETIME, "n": nonce})
        query = {
            "client_id": provider.config.clientId,
            "post_logout_redirect_uri": origin(request, self.login.services.settings) + self.login.paths.logout,
            "state": state,
        }
        if session.tokens.id_token:
            query["id_token_hint"] = session.tokens.id_token
        response.headers["Location"] = str(URL(endpoint).update_query(query))

    async def _end_session_endpoint(self, session: Session) -> str | None:
        provider = self.login.providers.get(session.provider)
        if provider is None:
            return None
        try:
            return (await provider.metadata()).end_session_endpoint
        except ProviderError as error:
            # The local session is over either way; the browser must not be left on an error page.
            log.warning("logout at %s skipped: %s", provider.name, error.reason)
            return None

    def _returned(self, request: web.BaseRequest, state: str) -> web.Response:
        sealed = self.login.keys.logout_states.open(state)
        if sealed is None or not isinstance(sealed.get("exp"), float | int) or sealed["exp"] < time.time():
            return _redirect("/")
        response = _redirect(safe_return_path(sealed.get("rd")))
        self.site_data.on_return(request, response, sealed.get("n"))
        return response


def _redirect(location: str) -> web.Response:
    return web.Response(status=302, headers={"Location": location, "Cache-Control": "no-store"})


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
