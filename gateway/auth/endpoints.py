"""The browser login endpoints on the main listener, served before route matching: callback,
chooser, logout and back-channel logout, at the paths of the settings' `auth:` section."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gateway.auth.backchannel import BackchannelLogout
from gateway.auth.callback import Callback
from gateway.auth.chooser import Chooser
from gateway.auth.flow import BrowserLogin, install_browser_login
from gateway.auth.logout import Logout
from gateway.auth.provider import OidcProvider
from gateway.auth.refusals import SIGN_IN_AGAIN, WithWayOn

if TYPE_CHECKING:
    from gateway.heap.build import Heap
    from gateway.services import Services


def global_providers(heap: Heap, settings: Any) -> dict[str, OidcProvider]:
    """The OidcProviders of the global heap (already built), by name."""
    found: dict[str, OidcProvider] = {}
    for index, decl in enumerate(settings.heap):
        if isinstance(decl, dict) and decl.get("type") == OidcProvider.__name__ and isinstance(decl.get("name"), str):
            provider = heap.typed(decl["name"], f"$.heap[{index}]", heap.ctx, OidcProvider)
            if provider is not None:
                found[provider.name] = provider
    return found


def install_auth_endpoints(services: Services, heap: Heap) -> BrowserLogin | None:
    """Serve the login endpoints when the global heap has OpenID providers."""
    login = install_browser_login(services, global_providers(heap, services.settings))
    if login is None:
        return None
    paths = login.paths
    sign_in = login.chooser_url("/")
    services.endpoints[paths.callback] = WithWayOn(Callback(login), SIGN_IN_AGAIN, sign_in)
    services.endpoints[paths.login] = WithWayOn(Chooser(login), SIGN_IN_AGAIN, sign_in)
    services.endpoints[paths.logout] = WithWayOn(Logout(login), "Sign out again", paths.logout)
    services.endpoints[paths.backchannel] = BackchannelLogout(login)
    return login
