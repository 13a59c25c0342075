"""BearerTokenFilter: APIs called with the provider's access tokens (RFC 6750, RFC 9068, RFC 7662).

Outcomes: no bearer token → not mine (the challenge is 401 `WWW-Authenticate: Bearer realm=...`);
a gateway session token (device flow) → not mine, for a DeviceFlowFilter later in the group; a
valid token with the required scopes → authenticated; otherwise 401 `invalid_token`, 403
`insufficient_scope` or 400 `invalid_request`, each with its RFC 6750 challenge.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Self

from aiohttp import web
from pydantic import Field

from gateway.auth.bearer_verify import BearerVerifier
from gateway.auth.identity_headers import IdentityHeaders, IdentityHeadersConfig
from gateway.auth.provider import OidcProvider
from gateway.errors import GatewayError
from gateway.filters.auth import AuthFilter, request_bearer_token
from gateway.heap.fields import Ref
from gateway.keys import EXCHANGE
from gateway.oauth.rfc6750 import InsufficientScope, TokenRequired, check_syntax, is_safe_realm, with_challenge
from gateway.ops.errorpage import error_response
from gateway.stores.base import StoreUnavailable

if TYPE_CHECKING:
    from gateway.heap.context import BuildContext
    from gateway.identity import Identity
    from gateway.services import Services


class BearerTokenFilter(AuthFilter):
    """Authenticates `Authorization: Bearer` access tokens issued by one provider for one audience."""

    class Config(IdentityHeadersConfig):
        provider: Ref = Field(description="The OidcProvider that issues the tokens (a global heap name).")
        audience: str | None = Field(
            None, description="Required `aud` of JWT access tokens; default: the provider's `resource`."
        )
        scopes: list[str] = Field(default_factory=list, description="Scopes every token must hold (else 403).")
        introspection: bool | Literal["auto"] = Field(
            "auto",
            description="auto: JWTs verified locally, other tokens introspected (RFC 7662); "
            "true: introspect every token; false: accept JWTs only.",
        )
        allowMissingTokenType: bool = Field(
            False,
            description="Accept an introspection answer without `token_type`. By default only `token_type: Bearer` "
            "passes, because providers omit the member for refresh tokens, which would then pass as access "
            "tokens; set true only for a provider that never sends it.",
        )
        cacheTtl: str | float = Field(
            "60 s", description="Longest time an introspection answer is reused (never past the token's exp)."
        )
        cacheSize: int = Field(
            10_000, ge=0, description="Verified tokens kept in each worker (least recently used go)."
        )
        realm: str = Field("gateway", description="The realm named in WWW-Authenticate challenges.")

    def __init__(
        self, services: Services, verifier: BearerVerifier, scopes: frozenset[str], realm: str, headers: IdentityHeaders
    ) -> None:
        self.services = services
        self.verifier = verifier
        self.scopes = scopes
        self.scope_list = tuple(sorted(scopes))
        self.realm = realm
        self.headers = headers
        self.cache_control = headers.cache_control

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self | None:
        """Resolve the provider and compile the checks; the provider's keys load on first use."""
        provider = ctx.resolve(config.provider, "provider", OidcProvider)
        audience = config.audience or (provider.config.resource if provider else None)
        if provider is not None and not audience:
            ctx.error("audience", "give the audience (or a `resource` on the provider) that tokens must name")
        if not is_safe_realm(config.realm):
            ctx.error("realm", "the realm may not hold quotes, backslashes or control characters")
        ttl = ctx.duration(config.cacheTtl, "cacheTtl")
        headers = IdentityHeaders.from_config(config, ctx)
        if provider is None or not audience:
            return None
        mode = None if config.introspection == "auto" else config.introspection
        verifier = BearerVerifier(
            provider, audience, introspection=mode, cache_ttl=ttl, cache_size=config.cacheSize,
            require_token_type=not config.allowMissingTokenType,
        )  # fmt: skip
        return cls(ctx.services, verifier, frozenset(config.scopes), config.realm, headers)

    async def authenticate(self, request: web.BaseRequest) -> Identity | None:
        """The token's identity; None without a bearer token or with a gateway session token."""
        try:
            token = request_bearer_token(request, checked=False)
            if token is None:
                return None
            identity = self.verifier.cache.get(token)
            if identity is None:
                # Only here: a cached token passed the check when it was verified.
                check_syntax(token)
                if not self.verifier.local(token) and await self._is_session_token(token):
                    return None
                identity = await self.verifier.verify(token)
            if not self.scopes <= identity.scopes:
                missing = " ".join(sorted(self.scopes - identity.scopes))
                raise InsufficientScope(f"the token lacks {missing}")
        except GatewayError as error:
            with_challenge(error, self.realm, self.scope_list)
            raise
        return identity

    async def _is_session_token(self, token: str) -> bool:
        sessions = self.services.sessions
        try:
            return sessions is not None and await sessions.from_token(token) is not None
        except StoreUnavailable:
            # Sessions cannot be read: the token is treated as the provider's, which denies a gateway one.
            return False

    async def admit(self, request: web.BaseRequest, identity: Identity) -> None:
        """Record the identity and add the identity headers (and the token, if asked)."""
        await super().admit(request, identity)
        token = request_bearer_token(request) if self.headers.access_token else None
        self.headers.apply(request, access_token=token)

    async def challenge(self, request: web.BaseRequest) -> web.StreamResponse:
        """401 with `WWW-Authenticate: Bearer realm="..."` and no error attribute (RFC 6750 3.1)."""
        error = with_challenge(TokenRequired("no bearer token"), self.realm)
        self.services.metrics.denials.labels(error.code).inc()
        return error_response(request, error, request[EXCHANGE].request_id)
