"""Access tokens of one provider for one audience: RFC 9068 JWTs checked locally, others by RFC 7662.

A JWT (three dot-separated segments) is verified with the provider's keys only and cached until
its `exp`. Any other token is introspected with the gateway's client credentials; only a JSON
`true` in `active` passes, an `iss` or `aud` in the answer must match, `token_type` must be
`Bearer`, and the answer is cached no longer than the token's `exp` and the configured bound, so
that a revoked opaque token stops working within that bound. Concurrent first uses of one token
share one verification.

An answer without `token_type` is refused unless the filter opts out: RFC 7662 makes the member
optional, and providers leave it out for refresh tokens (oidc-provider does), which an active
answer would otherwise let through as access tokens.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from gateway.auth.token_cache import TokenCache
from gateway.identity import Identity
from gateway.oauth.accesstoken import AccessTokenValidator, token_scopes
from gateway.oauth.errors import InvalidToken, MissingClaim, ProviderError
from gateway.oauth.introspection import check_introspected, introspect

if TYPE_CHECKING:
    from gateway.auth.provider import OidcProvider

METHOD = "bearer"


def looks_like_jwt(token: str) -> bool:
    """A compact JWS has three segments; the provider's opaque tokens have no dot."""
    return token.count(".") == 2


class BearerVerifier:
    """Turn an access token into an Identity, or raise InvalidToken (ProviderError when unsure)."""

    def __init__(
        self,
        provider: OidcProvider,
        audience: str,
        *,
        introspection: bool | None,
        cache_ttl: float,
        cache_size: int,
        require_token_type: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.provider = provider
        self.audience = audience
        # None: JWTs locally and other tokens by introspection; True: introspect all; False: JWTs only.
        self.introspection = introspection
        self.cache_ttl = cache_ttl
        self.require_token_type = require_token_type
        self.cache: TokenCache[Identity] = TokenCache(cache_size, clock)
        self._clock = clock
        self._jwt: AccessTokenValidator | None = None
        self._inflight: dict[str, asyncio.Future[Identity]] = {}

    def local(self, token: str) -> bool:
        """Whether `token` is verified here rather than introspected."""
        return self.introspection is not True and looks_like_jwt(token)

    async def verify(self, token: str) -> Identity:
        """The token's identity, from the cache when it was verified before."""
        identity = self.cache.get(token)
        if identity is not None:
            return identity
        if self.introspection is False and not self.local(token):
            raise InvalidToken("only JWT access tokens are accepted here")
        pending = self._inflight.get(token)
        if pending is None:
            pending = asyncio.ensure_future(self._check(token))
            self._inflight[token] = pending
            pending.add_done_callback(lambda done: self._forget(token, done))
        return await asyncio.shield(pending)

    def _forget(self, token: str, done: asyncio.Future[Identity]) -> None:
        self._inflight.pop(token, None)
        if not done.cancelled():
            done.exception()  # retrieved here, so that a failure nobody awaits is not reported as lost

    async def _check(self, token: str) -> Identity:
        if self.local(token):
            identity, expires = await self._check_jwt(token)
        else:
            identity, expires = await self._introspect(token)
        self.cache.put(token, identity, expires)
        return identity

    async def _check_jwt(self, token: str) -> tuple[Identity, float]:
        if self._jwt is None:
            config = self.provider.config
            keys = await self.provider.keys()
            self._jwt = AccessTokenValidator(
                config.issuer, self.audience, keys, algorithms=config.signingAlgorithms, clock=self._clock
            )
        claims = await self._jwt.validate(token)
        return self._identity(claims, claims["sub"]), float(claims["exp"])

    async def _introspect(self, token: str) -> tuple[Identity, float]:
        endpoint = (await self.provider.metadata()).introspection_endpoint
        if endpoint is None:
            raise ProviderError(f"{self.provider.name}: the provider offers no introspection endpoint")
        doc = await introspect(self.provider.http(), endpoint, self.provider.credentials, token, now=self._clock())
        check_introspected(doc, self.provider.config.issuer, self.audience, require_token_type=self.require_token_type)
        subject = doc.get("sub") or doc.get("client_id")
        if not isinstance(subject, str) or not subject:
            raise MissingClaim("introspection names no sub or client_id")
        exp = doc.get("exp")
        expires = float(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else math.inf
        return self._identity(doc, subject), min(expires, self._clock() + self.cache_ttl)

    def _identity(self, claims: Mapping[str, Any], subject: str) -> Identity:
        return Identity(
            subject=subject,
            issuer=self.provider.config.issuer,
            method=METHOD,
            claims=self.provider.map_claims(dict(claims)),
            scopes=token_scopes(claims),
        )
