"""OAuth2ResourceServerFilter: OpenIG's resource server, run by the gateway's bearer token checks.

The `accessTokenResolver` names how tokens are checked (JWTs against a JWK Set, or introspection);
`scopes` are the scopes every token must hold, each literal or an expression evaluated per request.
Answers as RFC 6750 says: no token → 401 `Bearer realm="..."`; a bad token → 401 `invalid_token`;
missing scopes → 403 `insufficient_scope` naming them; a malformed request → 400 `invalid_request`.
A valid token goes on with `${contexts.oauth2.accessToken.info}` (its claims), `.token` and `.scopes`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from aiohttp import web
from pydantic import Field

from gateway.auth.bearer_verify import BearerVerifier
from gateway.auth.redirects import is_https
from gateway.auth.token_resolvers import AccessTokenResolver
from gateway.errors import GatewayError
from gateway.filters.auth import AuthFilter, request_bearer_token
from gateway.heap.fields import Ref
from gateway.keys import EXCHANGE
from gateway.oauth.rfc6750 import BearerRequestError, InsufficientScope, TokenRequired, is_safe_realm, with_challenge
from gateway.ops.errorpage import error_response
from gateway.validation import ConfigModel

if TYPE_CHECKING:
    from gateway.expressions import Expression
    from gateway.heap.context import BuildContext
    from gateway.identity import Identity
    from gateway.services import Services

_RESOLVERS = "a StatelessAccessTokenResolver or a TokenIntrospectionAccessTokenResolver"
_OLD_KEYS = "OpenIG 4 wrote the token info endpoint on the filter; use accessTokenResolver with a " \
    "TokenIntrospectionAccessTokenResolver (RFC 7662) instead"  # fmt: skip


class OAuth2ResourceServerFilter(AuthFilter):
    """Authenticates `Authorization: Bearer` access tokens through an OpenIG access token resolver."""

    class Config(ConfigModel):
        accessTokenResolver: Ref | None = Field(None, description="How tokens are checked (required).")
        scopes: list[str] = Field(
            default_factory=list, description="Scopes every token must hold (expressions allowed)."
        )
        requireHttps: bool = Field(True, description="Refuse tokens sent over plain http (400 invalid_request).")
        realm: str = Field("OpenIG", description="The realm named in WWW-Authenticate challenges.")
        cacheExpiration: str | float = Field("1 minute", description="Longest time a checked token is reused.")
        cache: dict[str, Any] | None = Field(None, description="Accepted (newer form of cacheExpiration).")
        executor: Ref | None = Field(None, description="Accepted; the gateway runs on one event loop.")
        tokenInfoEndpoint: str | None = Field(None, description=_OLD_KEYS)
        providerHandler: Ref | None = Field(None, description=_OLD_KEYS)

    def __init__(self, services: Services, verifier: BearerVerifier, config: Config, scopes: list[Expression]) -> None:
        self.services = services
        self.verifier = verifier
        self.realm = config.realm
        self.require_https = config.requireHttps
        self.scopes = scopes
        # Scopes that are plain text are known once; only expressions are evaluated per request.
        self.fixed = frozenset(s for s, e in zip(config.scopes, scopes, strict=True) if "${" not in s)

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self | None:
        """Resolve the token resolver and compile the scopes."""
        for key in ("tokenInfoEndpoint", "providerHandler"):
            if getattr(config, key) is not None:
                ctx.error(key, _OLD_KEYS)
        if config.accessTokenResolver is None:
            ctx.error("accessTokenResolver", f"give {_RESOLVERS}")
        if not is_safe_realm(config.realm):
            ctx.error("realm", "the realm may not hold quotes, backslashes or control characters")
        scopes = [ctx.expression(text, f"scopes[{i}]") for i, text in enumerate(config.scopes)]
        ttl = ctx.duration(config.cacheExpiration, "cacheExpiration")
        ref = config.accessTokenResolver
        resolver = ctx.resolve(ref, "accessTokenResolver", AccessTokenResolver) if ref is not None else None
        if resolver is None:
            return None
        verifier = BearerVerifier(
            resolver.provider, resolver.audience, introspection=resolver.introspect, cache_ttl=ttl, cache_size=10_000
        )
        return cls(ctx.services, verifier, config, scopes)

    async def authenticate(self, request: web.BaseRequest) -> Identity | None:
        """The token's identity (and `contexts.oauth2`); None without a bearer token."""
        try:
            token = request_bearer_token(request)
            if token is not None and self.require_https and not is_https(request, self.services.settings):
                raise BearerRequestError("a bearer token over plain http (requireHttps)")
            if token is None:
                return None
            identity = await self.verifier.verify(token)
            required = self._required(request)
            if not required <= identity.scopes:
                raise InsufficientScope(f"the token lacks {' '.join(sorted(required - identity.scopes))}")
        except GatewayError as error:
            with_challenge(error, self.realm, sorted(self._required(request)))
            raise
        request[EXCHANGE].oauth2 = _context(token, identity)
        return identity

    def _required(self, request: web.BaseRequest) -> frozenset[str]:
        if len(self.fixed) == len(self.scopes):
            return self.fixed
        scope = request[EXCHANGE].scope
        return frozenset(str(value) for e in self.scopes if (value := e(scope)) not in (None, ""))

    async def challenge(self, request: web.BaseRequest) -> web.StreamResponse:
        """401 with `WWW-Authenticate: Bearer realm="..."` and no error attribute (RFC 6750 3.1)."""
        error = with_challenge(TokenRequired("no bearer token"), self.realm)
        self.services.metrics.denials.labels(error.code).inc()
        return error_response(request, error, request[EXCHANGE].request_id)


def _context(token: str, identity: Identity) -> dict[str, Any]:
    """OpenIG's OAuth2Context: the token, its info (claims or introspection answer), scopes and expiry."""
    exp = identity.claims.get("exp")
    expires_at = int(exp * 1000) if isinstance(exp, int | float) and not isinstance(exp, bool) else None
    info = {"sub": identity.subject, **identity.claims}
    return {"accessToken": {"token": token, "info": info, "scopes": sorted(identity.scopes), "expiresAt": expires_at}}
