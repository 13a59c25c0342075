"""Offline assertions: JWTs from third parties the PDP has never seen, verified against the issuer's
published keys (JWKS), an asymmetric algorithm allowlist, `iss`, `exp` and optionally `aud`.

A JWT that does not verify is never a permit on its claims alone: the subject rule fails and the
reason comes back as an advice."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import aiohttp

from gateway.errors import GatewayError
from gateway.oauth._claims import audiences, check_issuer, check_times
from gateway.oauth._jws import JwtVerifier, allowed_algorithms
from gateway.oauth.errors import BadAudience, ProviderError
from gateway.oauth.jwks import JwksCache
from gateway.policy.model import TrustedIssuer


class OfflineIssuer:
    """One trusted issuer: its keys are fetched on first use and refetched on an unknown `kid`."""

    def __init__(
        self, config: TrustedIssuer, session: Callable[[], aiohttp.ClientSession | None], clock: Callable[[], float]
    ) -> None:
        self.config = config
        self._session = session
        self._clock = clock
        self._verifier: JwtVerifier | None = None
        # Raises ValueError now, at load time, for `none`, HMAC or unknown algorithms.
        allowed_algorithms(config.algorithms)

    def _ready(self) -> JwtVerifier:
        if self._verifier is None:
            session = self._session()
            if session is None:
                raise ProviderError("no HTTP client to fetch the issuer's keys")
            self._verifier = JwtVerifier(JwksCache(session, self.config.jwksUri), self.config.algorithms)
        return self._verifier

    async def verify(self, token: str) -> dict[str, Any]:
        """The claims of a token this issuer signed and that is valid now; raises GatewayError."""
        verified = await self._ready().verify(token)
        claims = verified.claims
        check_issuer(claims, self.config.issuer)
        check_times(claims, self._clock(), 0.0, require_iat=False)
        if self.config.audience is not None and self.config.audience not in audiences(claims):
            raise BadAudience(f"aud does not contain {self.config.audience!r}")
        return claims


async def verify_or_reason(issuer: OfflineIssuer, token: Any) -> tuple[dict[str, Any] | None, str]:
    """(claims, "") for a good token, (None, why) for any other."""
    if not isinstance(token, str) or not token:
        return None, "no JWT presented"
    try:
        return await issuer.verify(token), ""
    except GatewayError as error:
        return None, f"{error.code}: {error.reason}"


def default_clock() -> float:
    """Wall-clock seconds, as `exp` counts them."""
    return time.time()
