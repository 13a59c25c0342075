"""The service URIs of an OpenIG OAuth2ClientFilter under its `clientEndpoint`, served by the login
endpoints of OidcLoginFilter: `/login` (the chooser, or straight to the registration named), `/callback`
(the redirection endpoint) and `/logout` (RP-initiated logout, with its confirmation page).

OpenIG's query names are translated: `goto` is the return target (`rd`), `registration` the provider
picked (`idp`, by registration name or client id). Targets stay same-origin paths, as in every login."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from gateway.auth.callback import Callback
from gateway.auth.chooser import Chooser
from gateway.auth.flow import AuthPaths, BrowserLogin
from gateway.auth.logout import Logout
from gateway.auth.refusals import Endpoint

if TYPE_CHECKING:
    from gateway.auth.provider import OidcProvider
    from gateway.services import Services


def client_paths(base: str) -> AuthPaths:
    """The login endpoint paths under a clientEndpoint."""
    base = base.rstrip("/")
    return AuthPaths(f"{base}/callback", f"{base}/login", f"{base}/logout", f"{base}/backchannel-logout")


class ClientEndpoint:
    """Serves the sub-paths of one clientEndpoint for one filter's registrations."""

    def __init__(self, services: Services, providers: dict[str, OidcProvider], base: str, gotos: tuple[str, str]):
        self.login = BrowserLogin(services, providers, client_paths(base))
        paths = self.login.paths
        self.handlers: dict[str, Endpoint] = {
            paths.login: Chooser(self.login),
            paths.callback: Callback(self.login),
            paths.logout: Logout(self.login),
        }
        self.login_goto, self.logout_goto = gotos
        # OpenIG names a registration by its name or by its client id.
        self.names = {p.config.clientId: key for key, p in providers.items()}
        self.names |= {p.label: key for key, p in providers.items()}

    def handler(self, request: web.BaseRequest) -> Endpoint | None:
        """The endpoint at the request's path, if it is one of the service URIs."""
        return self.handlers.get(request.path.rstrip("/") or "/")

    async def serve(self, request: web.BaseRequest, endpoint: Endpoint) -> web.StreamResponse:
        """Run the endpoint with OpenIG's query names translated to the login endpoints' own."""
        query = request.query
        default = self.logout_goto if endpoint is self.handlers[self.login.paths.logout] else self.login_goto
        changes = {"rd": query.get("goto") or query.get("rd") or default}
        if "registration" in query:
            changes["idp"] = self.names.get(query["registration"], query["registration"])
        return await endpoint(request.clone(rel_url=request.rel_url.update_query(changes)))
