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
from gateway.oauth.assertion import AssertionVerifier, check_algorithms
from gateway.oauth.errors import ProviderError
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
        self._verifier: AssertionVerifier | None = None
        # Raises ValueError now, at load time, for `none`, HMAC or unknown algorithms.
        check_algorithms(config.algorithms)

    def _ready(self) -> AssertionVerifier:
        if self._verifier is None:
            session = self._session()
            if session is None:
                raise ProviderError("no HTTP client to fetch the issuer's keys")
            keys = JwksCache(session, self.config.jwksUri)
            config = self.config
            self._verifier = AssertionVerifier(
                config.issuer, keys, config.algorithms, audience=config.audience, clock=self._clock
            )
        return self._verifier

    async def verify(self, token: str) -> dict[str, Any]:
        """The claims of a token this issuer signed and that is valid now; raises GatewayError."""
        return await self._ready().verify(token)


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
