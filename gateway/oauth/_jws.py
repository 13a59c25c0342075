"""Verification of a signed JWT (RFC 7519 7.2, RFC 7515 5.2) with the provider's keys only.

The token's header may not choose its key (`jwk`, `jku`, `x5u`, `x5c` are refused, RFC 8725 3.10)
nor its algorithm beyond the allowlist, which never holds `none` or an HMAC algorithm (RFC 8725
3.1, 3.2), so a provider's RSA public key can never serve as an HMAC secret.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError

from gateway.oauth._claims import check_issuer
from gateway.oauth.errors import AlgNotAllowed, BadSignature, BadTokenType, InvalidToken, UntrustedKeyHeader
from gateway.oauth.jwks import ASYMMETRIC_KEY_TYPES, JwksCache, key_type_of

KEY_HEADERS = ("jwk", "jku", "x5u", "x5c")


class _Registry(jws.JWSRegistry):
    # joserfc's 512-byte header cap would hide why a header carrying a whole key is refused.
    max_header_length = 4096


def allowed_algorithms(algorithms: Iterable[str]) -> tuple[str, ...]:
    """Check an allowlist: asymmetric JWS algorithms only; raise ValueError otherwise."""
    allowed = tuple(algorithms)
    refused = [a for a in allowed if key_type_of(a) not in ASYMMETRIC_KEY_TYPES]
    if refused or not allowed:
        raise ValueError(f"signing algorithms must be asymmetric JWS algorithms, not {refused}")
    return allowed


@dataclass(frozen=True, slots=True)
class VerifiedJwt:
    """A JWT whose signature verified: its protected header and its claims."""

    header: dict[str, Any]
    claims: dict[str, Any]


class JwtVerifier:
    """Verify compact JWS tokens against one provider's key set and an algorithm allowlist."""

    def __init__(self, keys: JwksCache, algorithms: Iterable[str]) -> None:
        self._keys = keys
        self._registries = {
            alg: _Registry(algorithms=[alg], strict_check_header=False) for alg in allowed_algorithms(algorithms)
        }

    async def verify(self, token: str) -> VerifiedJwt:
        """Check the header, find the provider key, verify the signature, decode the claims."""
        signed = _parse(token)
        header = signed.headers()
        if any(name in header for name in KEY_HEADERS):
            raise UntrustedKeyHeader("the token header names its own key")
        alg, kid = header.get("alg"), header.get("kid")
        registry = self._registries.get(alg) if isinstance(alg, str) else None
        if registry is None or not isinstance(alg, str):
            raise AlgNotAllowed(f"alg {alg!r} is not allowed")
        if kid is not None and not isinstance(kid, str):
            raise InvalidToken("kid is not a string")
        key = await self._keys.key_for(kid, alg)
        try:
            verified = jws.validate_compact(signed, key, registry=registry)
        except JoseError as error:
            raise BadSignature(f"signature check failed: {error.error}") from error
        if not verified:
            raise BadSignature("the signature does not verify")
        return VerifiedJwt(header=dict(header), claims=_claims(signed.payload))


_PARSER = _Registry(strict_check_header=False)


def _parse(token: str) -> jws.CompactSignature:
    try:
        return jws.extract_compact(token.encode("ascii"), registry=_PARSER)
    except (JoseError, ValueError, UnicodeEncodeError) as error:
        raise InvalidToken(f"malformed JWS: {error}") from error


def _claims(payload: bytes | None) -> dict[str, Any]:
    try:
        claims = json.loads(payload or b"")
    except ValueError as error:
        raise InvalidToken("the payload is not JSON") from error
    if not isinstance(claims, dict):
        raise InvalidToken("the payload is not a JSON object")
    return claims


class IssuerTokenValidator:
    """What every validator of one issuer's signed tokens shares: keys, algorithms, clock, `typ`, and the
    audience its tokens must name (the client for id_tokens and logout tokens, the API for access tokens,
    the configured one, if any, for third-party assertions)."""

    def __init__(
        self,
        issuer: str,
        audience: str,
        keys: JwksCache,
        *,
        algorithms: Iterable[str] = ("RS256",),
        leeway: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self._verifier = JwtVerifier(keys, algorithms)
        self._leeway = leeway
        self._clock = clock

    async def _verified(self, token: str, types: frozenset[str], *, typ_required: bool, what: str) -> dict[str, Any]:
        """The claims of a token signed by this issuer whose `typ` is one of `types`."""
        jwt = await self._verifier.verify(token)
        typ = jwt.header.get("typ")
        # Media types compare case-insensitively (RFC 2045 5.1).
        if (typ is not None or typ_required) and (not isinstance(typ, str) or typ.lower() not in types):
            raise BadTokenType(f"typ {typ!r} is not {what}")
        claims = jwt.claims
        check_issuer(claims, self.issuer)
        return claims
