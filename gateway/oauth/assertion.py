"""Third-party JWT assertions: a JWT from an issuer the gateway trusts but has no client at, verified
against the issuer's published keys (JWKS) with an asymmetric algorithm allowlist, then `iss`,
`exp` (no leeway) and optionally `aud`."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from gateway.oauth._claims import audiences, check_issuer, check_times
from gateway.oauth._jws import IssuerTokenValidator, allowed_algorithms
from gateway.oauth.errors import BadAudience
from gateway.oauth.jwks import JwksCache


def check_algorithms(algorithms: Iterable[str]) -> tuple[str, ...]:
    """An allowlist of asymmetric JWS algorithms; raise ValueError for `none`, HMAC or unknown ones."""
    return allowed_algorithms(algorithms)


class AssertionVerifier(IssuerTokenValidator):
    """Verifies one issuer's assertions; its keys are fetched on first use and refetched on an unknown `kid`."""

    def __init__(
        self,
        issuer: str,
        keys: JwksCache,
        algorithms: Iterable[str],
        *,
        audience: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(issuer, audience or "", keys, algorithms=algorithms, leeway=0.0, clock=clock)
        # No audience configured: any `aud` (or none) will do.
        self._any_audience = audience is None

    async def verify(self, token: str) -> dict[str, Any]:
        """The claims of a token this issuer signed and that is valid now; raises GatewayError."""
        claims = (await self._verifier.verify(token)).claims
        check_issuer(claims, self.issuer)
        check_times(claims, self._clock(), self._leeway, require_iat=False)
        if not self._any_audience and self.audience not in audiences(claims):
            raise BadAudience(f"aud does not contain {self.audience!r}")
        return claims
