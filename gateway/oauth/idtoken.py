"""ID Token validation per OpenID Connect Core 1.0, 3.1.3.7 (authorization code flow).

Checks, in order: the signature with the provider's keys and allowed algorithms (steps 6-8),
`iss` exactly (step 2), `aud` holds the client and only trusted others (step 3), `azp` (steps 4-5),
`exp`, `iat` (steps 9-10), `nonce` (step 11) and `sub` (Core 2).
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Iterable
from typing import Any

from gateway.oauth._claims import audiences, check_times, string_claim
from gateway.oauth._jws import IssuerTokenValidator
from gateway.oauth.errors import BadAudience, BadAuthorizedParty, BadNonce
from gateway.oauth.jwks import JwksCache

# An id_token either has no `typ` or a plain JWT one; `at+jwt`, `logout+jwt`... are other tokens.
ID_TOKEN_TYPES = frozenset({"jwt", "application/jwt"})


class IdTokenValidator(IssuerTokenValidator):
    """Validate one provider's id_tokens for one client."""

    def __init__(
        self,
        issuer: str,
        client_id: str,
        keys: JwksCache,
        *,
        algorithms: Iterable[str] = ("RS256",),
        trusted_audiences: Iterable[str] = (),
        leeway: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(issuer, client_id, keys, algorithms=algorithms, leeway=leeway, clock=clock)
        self.client_id = client_id
        self._trusted = frozenset(trusted_audiences) | {client_id}

    async def validate(self, token: str, *, nonce: str | None) -> dict[str, Any]:
        """Return a valid id_token's claims; `nonce` is the one sent (None: no nonce check)."""
        claims = await self._verified(token, ID_TOKEN_TYPES, typ_required=False, what="an id_token")
        self._check_audience(claims)
        check_times(claims, self._clock(), self._leeway, require_iat=True)
        if nonce is not None:
            _check_nonce(claims, nonce)
        string_claim(claims, "sub")
        return claims

    def _check_audience(self, claims: dict[str, Any]) -> None:
        aud = audiences(claims)
        if self.client_id not in aud:
            raise BadAudience(f"aud {list(aud)} lacks client {self.client_id!r}")
        untrusted = set(aud) - self._trusted
        if untrusted:
            raise BadAudience(f"aud holds untrusted audiences {sorted(untrusted)}")
        azp = claims.get("azp")
        if azp is None and len(aud) > 1:
            raise BadAuthorizedParty("azp is missing with several audiences")
        if azp is not None and azp != self.client_id:
            raise BadAuthorizedParty(f"azp {azp!r} is not {self.client_id!r}")


def _check_nonce(claims: dict[str, Any], expected: str) -> None:
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not hmac.compare_digest(nonce.encode(), expected.encode()):
        raise BadNonce("nonce differs from the authentication request's")
