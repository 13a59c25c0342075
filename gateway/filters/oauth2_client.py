"""OAuth2ClientFilter: OpenIG's OpenID Connect relying party, run by the gateway's browser login.

Its ClientRegistrations become OidcProviders of the filter's own login, whose endpoints are the
`clientEndpoint` sub-paths (`/login`, `/callback`, `/logout`). A request with a session of one of the
registrations goes on with the OAuth 2.0 context in `target` (`${attributes.openid.user_info.sub}`);
without one, browsers are sent to log in (API clients get 401), or go on without identity when
`requireLogin` is false. A failed login runs `failureHandler` with the error in `target.error`.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Self

from aiohttp import web
from pydantic import Field

from gateway.auth.client_endpoint import ClientEndpoint
from gateway.auth.private_responses import PRIVATE, mark_private
from gateway.auth.redirects import is_https, is_same_origin_path, safe_return_path
from gateway.auth.refusals import login_required
from gateway.auth.registration import ClientRegistration
from gateway.auth.session_auth import SessionAuth
from gateway.errors import BadRequest, GatewayError
from gateway.heap.fields import Ref
from gateway.heap.targets import Target, compile_target
from gateway.keys import EXCHANGE
from gateway.ops.errorpage import prefers_html
from gateway.validation import ConfigModel

if TYPE_CHECKING:
    from gateway.auth.refusals import Endpoint
    from gateway.contract import HandlerFn
    from gateway.heap.context import BuildContext
    from gateway.sessions.model import Session


class OAuth2ClientFilter:
    """Authenticates browsers by an OpenID Connect login at one of its client registrations."""

    class Config(ConfigModel):
        clientEndpoint: str = Field(description="Base path of the filter's /login, /callback and /logout URIs.")
        registrations: Ref | list[Ref] = Field(description="ClientRegistration objects (names or inline).")
        requireHttps: bool = Field(True, description="Refuse requests that did not come over https.")
        requireLogin: bool = Field(True, description="false: requests without a session go on unauthenticated.")
        target: str = Field("${attributes.openid}", description="Where the OAuth 2.0 context is written.")
        failureHandler: Ref | None = Field(None, description="Answers a failed login; sees `target.error`.")
        defaultLoginGoto: str = Field("/", description="Where a login without `goto` returns (a same-origin path).")
        defaultLogoutGoto: str = Field("/", description="Where a logout without `goto` ends (a same-origin path).")
        cacheExpiration: str | float = Field(
            "20 s", description="Accepted; user info is read at login and kept with the session."
        )
        refreshBefore: str | float = Field(
            "60 s", description="Gateway addition: refresh the access token this long before it expires."
        )

    cache_control = PRIVATE

    def __init__(
        self, endpoint: ClientEndpoint, config: Config, target: Target, failure: HandlerFn | None, refresh: float
    ) -> None:
        self.endpoint = endpoint
        self.require_https = config.requireHttps
        self.require_login = config.requireLogin
        self.base = config.clientEndpoint.rstrip("/")
        self.target = target
        self.failure = failure
        self.sessions = SessionAuth(endpoint.login, tuple(endpoint.login.providers), refresh)

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self | None:
        """Resolve the registrations and the failure handler; compile the target."""
        refs = config.registrations if isinstance(config.registrations, list) else [config.registrations]
        found = [ctx.resolve(ref, f"registrations[{i}]", ClientRegistration) for i, ref in enumerate(refs)]
        if not refs:
            ctx.error("registrations", "name at least one ClientRegistration")
        if not config.clientEndpoint.startswith("/"):
            ctx.error("clientEndpoint", f"{config.clientEndpoint!r} is not a path (e.g. /openid)")
        target = compile_target(config.target, "target", ctx)
        failure = ctx.resolve_handler(config.failureHandler, "failureHandler") if config.failureHandler else None
        gotos = (config.defaultLoginGoto, config.defaultLogoutGoto)
        for key, goto in zip(("defaultLoginGoto", "defaultLogoutGoto"), gotos, strict=True):
            if not is_same_origin_path(goto):
                ctx.error(
                    key, f"{goto!r} is not a path of this gateway (e.g. /home): browsers return to its origin only"
                )
        ctx.duration(config.cacheExpiration, "cacheExpiration")
        refresh = ctx.duration(config.refreshBefore, "refreshBefore")
        if target is None or not refs or None in found:
            return None
        providers = {r.provider.name: r.provider for r in found if r is not None}
        endpoint = ClientEndpoint(ctx.services, providers, config.clientEndpoint, gotos)
        return cls(endpoint, config, target, failure, refresh)

    async def filter(self, request: web.BaseRequest, next: HandlerFn) -> web.StreamResponse:
        """Serve the clientEndpoint, or let a logged-in request through with its context."""
        if self.require_https and not is_https(request, self.endpoint.login.services.settings):
            return await self._failed(request, BadRequest("OAuth2ClientFilter requires https (requireHttps)"))
        endpoint = self.endpoint.handler(request)
        if endpoint is not None:
            return await self._serve(request, endpoint)
        session = await self.sessions.session(request)
        if session is None:
            return await next(request) if not self.require_login else await self._login(request)
        exchange = request[EXCHANGE]
        exchange.identity = session.identity()
        exchange.scope.refresh("identity", "session")
        self.target.assign(request, exchange, self._context(session))
        SessionAuth.keep_cookies(request)
        response = self.sessions.reissue(request, await next(request))
        return mark_private(response, self.cache_control)

    async def _serve(self, request: web.BaseRequest, endpoint: Endpoint) -> web.StreamResponse:
        try:
            return await self.endpoint.serve(request, endpoint)
        except GatewayError as error:
            return await self._failed(request, error)

    async def _failed(self, request: web.BaseRequest, error: GatewayError) -> web.StreamResponse:
        """The failure handler with the error in the target (OpenIG's `error`, `error_description`)."""
        if self.failure is None:
            raise error
        query = request.query
        # The provider's own error when it sent one (RFC 6749 4.1.2.1), else the gateway's.
        code, description = error.code, error.reason
        if "error" in query:
            code, description = query["error"], query.get("error_description", "")
        self.target.assign(request, request[EXCHANGE], {"error": {"error": code, "error_description": description}})
        return await self.failure(request)

    async def _login(self, request: web.BaseRequest) -> web.StreamResponse:
        """Browsers go to log in (at the one registration, or to the choice); API clients get 401."""
        return_to = safe_return_path(request.raw_path if request.method in ("GET", "HEAD") else "/")
        login = self.endpoint.login
        if len(login.providers) == 1 and prefers_html(request.headers.get("Accept", "")):
            try:
                return await login.begin(request, next(iter(login.providers.values())), None, return_to)
            except GatewayError as error:
                return await self._failed(request, error)
        location = login.chooser_url(return_to)
        if prefers_html(request.headers.get("Accept", "")):
            return web.Response(status=302, headers={"Location": location, "Cache-Control": "no-store"})
        return login_required(location)

    def _context(self, session: Session) -> dict[str, Any]:
        """The OAuth 2.0 context as OpenIG's target shows it."""
        tokens = session.tokens
        provider = self.endpoint.login.providers[session.provider]
        claims = {"sub": session.subject, **session.claims}
        expires_in = int(tokens.expires_at - time.time()) if tokens.expires_at is not None else None
        return {
            "client_registration": provider.label, "client_endpoint": self.base,
            "access_token": tokens.access_token, "refresh_token": tokens.refresh_token, "token_type": "Bearer",
            "expires_in": expires_in, "scope": list(provider.config.scopes),
            "id_token": tokens.id_token, "id_token_claims": {"iss": session.issuer, **claims}, "user_info": claims,
        }  # fmt: skip


class AuthorizationCodeOAuth2ClientFilter(OAuth2ClientFilter):
    """PingGateway's later name of OAuth2ClientFilter, with the same settings."""
