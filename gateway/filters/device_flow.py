"""DeviceFlowFilter: clients without a browser log in by the device flow the gateway brokers, then
call the route with `Authorization: Bearer <gateway session token>`.

Outcomes: no bearer token, or one that is not a live device session of this provider → not mine
(a BearerTokenFilter in the same group may know it); a live one → authenticated, the identity of
its session. The challenge is 401 `WWW-Authenticate: Bearer` with a JSON body naming the device
endpoints (`invalid_token` when a token was sent but nobody recognised it). The gateway token is a
gateway credential: it never reaches the upstream; with `passAccessToken` the provider's access
token does, refreshed before it expires.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

from aiohttp import web
from pydantic import Field

from gateway.auth.device_endpoints import DevicePaths, install_device_endpoints
from gateway.auth.device_session import METHOD
from gateway.auth.flow import browser_login
from gateway.auth.identity_headers import IdentityHeaders, IdentityHeadersConfig
from gateway.auth.provider import OidcProvider
from gateway.auth.redirects import origin
from gateway.auth.refresh import Refresher
from gateway.errors import GatewayError
from gateway.filters.auth import AuthFilter, request_bearer_token
from gateway.heap.fields import Ref
from gateway.keys import EXCHANGE
from gateway.oauth.rfc6750 import challenge, is_safe_realm, with_challenge
from gateway.sessions.manager import sessions_of

log = logging.getLogger("gateway.filters.device_flow")

# With passAccessToken, the access token is refreshed when it expires within this margin.
REFRESH_MARGIN = 60.0

if TYPE_CHECKING:
    from gateway.heap.context import BuildContext
    from gateway.identity import Identity
    from gateway.services import Services


@dataclass(eq=False)
class DeviceFlowFilter(AuthFilter):
    """Accepts the bearer tokens of device sessions made through the gateway's device endpoints."""

    class Config(IdentityHeadersConfig):
        provider: Ref = Field(description="The OidcProvider users log in with (a global heap name).")
        scopes: list[str] | None = Field(
            None, description="Scopes the gateway asks of the provider; default: the provider's scopes."
        )
        realm: str = Field("gateway", description="The realm named in WWW-Authenticate challenges.")

    services: Services
    provider: OidcProvider
    paths: DevicePaths
    realm: str
    headers: IdentityHeaders
    refresher: Refresher | None

    def __post_init__(self) -> None:
        self.cache_control = self.headers.cache_control

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self | None:
        """Offer the provider at the device endpoints (registered on first use)."""
        before = len(ctx.errors)
        provider = ctx.resolve(config.provider, "provider", OidcProvider)
        if not is_safe_realm(config.realm):
            ctx.error("realm", "the realm may not hold quotes, backslashes or control characters")
        headers = IdentityHeaders.from_config(config, ctx)
        if provider is None or len(ctx.errors) > before:
            return None
        install_device_endpoints(ctx.services).register(provider, config.scopes)
        paths = DevicePaths.from_settings(ctx.services.settings)
        # Only an upstream that gets the access token needs it fresh.
        login = browser_login(ctx.services)
        refresher = Refresher(login, REFRESH_MARGIN) if config.passAccessToken and login is not None else None
        return cls(ctx.services, provider, paths, config.realm, headers, refresher)

    async def authenticate(self, request: web.BaseRequest) -> Identity | None:
        """The identity of the live device session the bearer token names, else None."""
        try:
            token = request_bearer_token(request)
        except GatewayError as error:
            with_challenge(error, self.realm)
            raise
        if token is None:
            return None
        sessions = sessions_of(self.services)
        session = await sessions.from_token(token)
        if session is None or session.method != METHOD or session.provider != self.provider.name:
            return None
        if self.refresher is not None and self.refresher.due(session):
            try:
                session = await self.refresher.refresh(session)
            except GatewayError as error:
                log.info("device session %s… ended: refresh failed: %s", session.id[:8], error.reason)
                return None
        await sessions.touch(session)
        request[EXCHANGE].session = session
        return session.identity()

    async def admit(self, request: web.BaseRequest, identity: Identity) -> None:
        """Record the identity; the gateway token is replaced by the identity headers."""
        await super().admit(request, identity)
        exchange = request[EXCHANGE]
        exchange.edit_headers(request.headers).popall("Authorization", None)
        tokens = exchange.session.tokens
        self.headers.apply(request, access_token=tokens.access_token, id_token=tokens.id_token)

    async def challenge(self, request: web.BaseRequest) -> web.StreamResponse:
        """401 naming the device endpoints; `invalid_token` when a token was sent."""
        exchange = request[EXCHANGE]
        sent = request_bearer_token(request) is not None
        base = origin(request, self.services.settings)
        body = {
            "error": "invalid_token" if sent else "token_required",
            "message": "Log in with the device flow and send the token as Authorization: Bearer.",
            "device_authorization_endpoint": base + self.paths.authorize,
            "token_endpoint": base + self.paths.token,
            "request_id": exchange.request_id,
        }
        self.services.metrics.denials.labels(body["error"]).inc()
        headers = {"WWW-Authenticate": challenge(self.realm, "invalid_token" if sent else None)}
        headers["Cache-Control"] = "no-store"
        return web.Response(status=401, text=json.dumps(body), content_type="application/json", headers=headers)
