"""OidcLoginFilter: browser sessions from an OpenID Connect login at the gateway.

A request with a session cookie from one of the filter's providers is authenticated (its access
token refreshed first when it is about to expire, once per session however many requests wait);
without one, browsers are sent to log in (straight to the provider, or to the chooser when the
filter offers several) and API clients get 401 naming the login URL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Self

from aiohttp import web
from pydantic import Field

from gateway.auth.flow import AuthPaths, BrowserLogin, LoginChoice, browser_login
from gateway.auth.identity_headers import IdentityHeaders, IdentityHeadersConfig
from gateway.auth.provider import OidcProvider
from gateway.auth.redirects import safe_return_path
from gateway.auth.refusals import login_required
from gateway.auth.session_auth import SessionAuth
from gateway.filters.auth import AuthFilter
from gateway.keys import EXCHANGE
from gateway.ops.errorpage import prefers_html

if TYPE_CHECKING:
    from gateway.heap.context import BuildContext
    from gateway.identity import Identity
    from gateway.sessions.model import Session


class OidcLoginFilter(AuthFilter):
    """Authenticates browsers by a gateway session from an OpenID Connect login."""

    class Config(IdentityHeadersConfig):
        providers: list[str] = Field(
            min_length=1, description="OidcProvider names of the global heap; several → a chooser page."
        )
        scopes: list[str] | None = Field(None, description="Scopes to ask for instead of each provider's.")
        refreshBefore: str | float = Field(
            "60 s", description="Refresh the access token when it expires within this time."
        )
        onProviderUnavailable: Literal["keep", "end"] = Field(
            "end",
            description="When a refresh cannot reach the provider: end = keep the session while its access token "
            "lives, then end it (reason refresh_failed); keep = keep it, with its last tokens, until it expires.",
        )

    def __init__(
        self, login: BrowserLogin, choice: LoginChoice, headers: IdentityHeaders, refresh_before: float, keep: bool
    ) -> None:
        self.login = login
        self.choice = choice
        self.choice_key = login.offer(choice)
        self.headers = headers
        self.cache_control = headers.cache_control
        self.sessions = SessionAuth(login, choice.providers, refresh_before, keep=keep)

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self:
        """Resolve the providers (global heap only) and compile the identity headers."""
        login = browser_login(ctx.services)
        for index, name in enumerate(config.providers):
            provider = ctx.resolve(name, f"providers[{index}]", OidcProvider)
            if provider is not None and (login is None or login.providers.get(name) is not provider):
                ctx.error(f"providers[{index}]", f"'{name}' must be an OidcProvider of the global heap")
        headers = IdentityHeaders.from_config(config, ctx)
        refresh_before = ctx.duration(config.refreshBefore, "refreshBefore")
        scopes = tuple(config.scopes) if config.scopes is not None else None
        # Without global providers the errors above fail the route; the stand-in is never served.
        login = login or BrowserLogin(ctx.services, {}, AuthPaths())
        keep = config.onProviderUnavailable == "keep"
        return cls(login, LoginChoice(tuple(config.providers), scopes), headers, refresh_before, keep)

    async def authenticate(self, request: web.BaseRequest) -> Identity | None:
        """The session's identity; None without a usable session of this filter's providers."""
        session = await self.sessions.session(request)
        return None if session is None else session.identity()

    async def admit(self, request: web.BaseRequest, identity: Identity) -> None:
        """Record the identity, add the identity headers, and keep the gateway's cookies to itself."""
        await super().admit(request, identity)
        exchange = request[EXCHANGE]
        session: Session = exchange.session
        self.headers.apply(request, session.tokens.access_token, session.tokens.id_token)
        SessionAuth.keep_cookies(request)

    async def respond(self, request: web.BaseRequest, response: web.StreamResponse) -> web.StreamResponse:
        """Re-issue the session cookies when a refresh or new activity changed the session."""
        return self.sessions.reissue(request, response)

    async def challenge(self, request: web.BaseRequest) -> web.StreamResponse:
        """Browsers go to log in; API clients get 401 naming the login URL."""
        return_to = safe_return_path(request.raw_path if request.method in ("GET", "HEAD") else "/")
        if not prefers_html(request.headers.get("Accept", "")):
            return login_required(self.login.chooser_url(return_to, self.choice_key))
        providers = self.login.ordered(self.choice.providers)
        if len(providers) == 1:
            return await self.login.begin(request, providers[0], self.choice.scopes, return_to)
        location = self.login.chooser_url(return_to, self.choice_key)
        return web.Response(status=302, headers={"Location": location, "Cache-Control": "no-store"})

    async def step_up(self, request: web.BaseRequest, acr_values: str) -> web.StreamResponse:
        """Send the browser to log in again at its session's provider asking for `acr_values` (a PDP's advice)."""
        return_to = safe_return_path(request.raw_path if request.method in ("GET", "HEAD") else "/")
        session = request[EXCHANGE].session
        name = getattr(session, "provider", None)
        if name not in self.choice.providers:
            name = self.choice.providers[0]
        provider = self.login.providers[name]
        return await self.login.begin(request, provider, self.choice.scopes, return_to, {"acr_values": acr_values})
