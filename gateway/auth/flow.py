"""Browser login state shared by the OidcLoginFilters and the login endpoints: the global
providers, the endpoint paths, the keys, and the start of an authorization code flow."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web
from yarl import URL

from gateway.auth.redirects import origin, safe_return_path
from gateway.auth.secrets import AuthKeys
from gateway.auth.transaction import LIFETIME, Transaction, crowded_out
from gateway.services import ServiceKey, Services
from gateway.sessions.keys import session_key
from gateway.sessions.manager import sessions_of

if TYPE_CHECKING:
    from gateway.auth.provider import OidcProvider
    from gateway.oauth.pkce import Pkce
    from gateway.settings import Settings


@dataclass(frozen=True, slots=True)
class AuthPaths:
    """Where the login endpoints live on the main listener (settings `auth:`)."""

    callback: str = "/oauth2/callback"
    login: str = "/oauth2/login"
    logout: str = "/oauth2/logout"
    backchannel: str = "/oauth2/backchannel-logout"

    @classmethod
    def from_settings(cls, settings: Settings) -> AuthPaths:
        """The paths of the settings' `auth:` section."""
        auth = settings.auth
        return cls(auth.callbackPath, auth.loginPath, auth.logoutPath, auth.backchannelLogoutPath)


@dataclass(frozen=True, slots=True)
class LoginChoice:
    """What one OidcLoginFilter offers: its providers and its scopes (None = each provider's)."""

    providers: tuple[str, ...]
    scopes: tuple[str, ...] | None = None

    @property
    def key(self) -> str:
        """A stable name for this choice, the same in every worker that loads the same config."""
        text = json.dumps([self.providers, self.scopes])
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(eq=False)
class BrowserLogin:
    """The global providers and everything the login endpoints share."""

    services: Services
    providers: dict[str, OidcProvider]
    paths: AuthPaths
    choices: dict[str, LoginChoice] = field(default_factory=dict)
    _keys: AuthKeys | None = None

    def offer(self, choice: LoginChoice) -> str:
        """Register what a filter offers (at load time); returns the key the chooser knows it by."""
        self.choices.setdefault(choice.key, choice)
        return choice.key

    def ordered(self, names: Iterable[str]) -> list[OidcProvider]:
        """Providers by chooser position, then name."""
        found = [self.providers[n] for n in names if n in self.providers]
        return sorted(found, key=lambda p: (p.config.position, p.name))

    @property
    def keys(self) -> AuthKeys:
        """The endpoint keys, derived from the session secret on first use."""
        if self._keys is None:
            sessions = self.services.settings.sessions
            self._keys = AuthKeys(session_key(sessions.secret, self.services.settings.state))
        return self._keys

    def chooser_url(self, return_to: str, choice: str | None = None, provider: str | None = None) -> str:
        """The login endpoint URL for a choice (and a provider picked from it)."""
        query = {"rd": return_to}
        if choice is not None:
            query["choice"] = choice
        if provider is not None:
            query["idp"] = provider
        return str(URL(self.paths.login).with_query(query))

    async def begin(
        self, request: web.BaseRequest, provider: OidcProvider, scopes: Sequence[str] | None, return_to: str,
        extra: Mapping[str, str] | None = None,
    ) -> web.Response:  # fmt: skip
        """Redirect the browser to the provider, the transaction in its own cookie; `extra`: more
        authentication request parameters (e.g. `acr_values` for a step-up)."""
        metadata = await provider.metadata()
        redirect_uri = origin(request, self.services.settings) + self.paths.callback
        tx, pkce = Transaction.new(provider.name, redirect_uri, safe_return_path(return_to))
        query = {**_authorize_query(provider, tx, pkce, scopes), **(extra or {})}
        location = URL(metadata.authorization_endpoint).update_query(query)
        response = web.Response(status=302, headers={"Location": str(location), "Cache-Control": "no-store"})
        for name in crowded_out(request.cookies, self.keys.transactions):
            response.del_cookie(name, path="/")
        response.set_cookie(
            tx.cookie_name, tx.seal(self.keys.transactions), max_age=int(LIFETIME), path="/", httponly=True,
            samesite="Lax", secure=sessions_of(self.services).secure_for(request),
        )  # fmt: skip
        return response


def _authorize_query(
    provider: OidcProvider, tx: Transaction, pkce: Pkce, scopes: Sequence[str] | None
) -> dict[str, str]:
    """The authentication request (OpenID Connect Core 3.1.2.1, RFC 7636 4.3)."""
    query = {
        **provider.config.authorizeParams,
        "response_type": "code",
        "client_id": provider.config.clientId,
        "redirect_uri": tx.redirect_uri,
        "scope": " ".join(scopes if scopes is not None else provider.config.scopes),
        "state": tx.state,
        "nonce": tx.nonce,
        "code_challenge": pkce.challenge,
        "code_challenge_method": pkce.method,
    }
    if provider.config.resource:
        query["resource"] = provider.config.resource
    return query


BROWSER_LOGIN = ServiceKey("auth.browser_login", BrowserLogin)


def browser_login(services: Services) -> BrowserLogin | None:
    """The app's browser login, when the global heap has OpenID providers."""
    return services.feature(BROWSER_LOGIN)


def install_browser_login(services: Services, providers: dict[str, OidcProvider]) -> BrowserLogin | None:
    """Create the browser login for these global providers (none: no login endpoints)."""
    if not providers:
        return None
    login = BrowserLogin(services, providers, AuthPaths.from_settings(services.settings))
    return services.add_feature(BROWSER_LOGIN, login)
