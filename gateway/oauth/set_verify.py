"""Validating a received Security Event Token (RFC 8417 §2, RFC 8935 §2.2, RFC 8936 §2.4).

Failures carry RFC 8935 §2.3 error codes (`invalid_request`, `invalid_key`, `invalid_issuer`,
`invalid_audience`), which the push receiver returns and the poll receiver puts in `setErrs`.
A token without `typ: secevent+jwt` is refused first, so that an id_token, an access token or a
logout token signed by a trusted issuer never passes for a SET (RFC 8417 §4, RFC 8725 §3.11).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from joserfc import jwe, jws
from joserfc.errors import JoseError
from joserfc.jwk import Key, KeySet

from gateway.oauth.errors import InvalidToken, ProviderError
from gateway.oauth.set import JWE_ALGS, SIGNING_ALG, TYP
from gateway.oauth.subject_ids import InvalidSubject, validate

_TYPES = frozenset({TYP, f"application/{TYP}"})
_KEY_HEADERS = ("jwk", "jku", "x5u", "x5c")


class SetRejected(Exception):
    """A SET refused with an RFC 8935 error code and a description for the transmitter."""

    def __init__(self, err: str, description: str) -> None:
        super().__init__(f"{err}: {description}")
        self.err = err
        self.description = description


class KeysUnavailable(Exception):
    """The transmitter's keys could not be fetched now; the transmitter should try again later."""


class KeySource(Protocol):
    """Where a transmitter's verification keys come from (a cached JWKS URL or inline JSON)."""

    async def key_for(self, kid: str | None, alg: str) -> Key:
        """The key for `kid` and `alg`; raises InvalidToken when there is none."""
        ...


class StaticKeys:
    """A JWKS given inline (i2scim's `rcv.iss.jwksJson`)."""

    def __init__(self, jwks: Mapping[str, Any]) -> None:
        self._keys = KeySet.import_key_set(dict(jwks))  # type: ignore[arg-type]

    async def key_for(self, kid: str | None, alg: str) -> Key:
        """The inline key with this `kid` (or the only one, when the SET names none)."""
        fits = [k for k in self._keys if k.key_type == "RSA" and (kid is None or k.kid == kid)]
        if len(fits) != 1:
            raise InvalidToken(f"no key with kid {kid!r}")
        return fits[0]


@dataclass(frozen=True, slots=True)
class ReceivedSet:
    """A SET whose signature, issuer, audience, events and subject checked out."""

    iss: str
    jti: str
    sub_id: dict[str, Any]
    events: dict[str, Any]
    claims: dict[str, Any]


class SetVerifier:
    """Checks SETs from the trusted transmitters (issuer → keys) addressed to one of `audiences`."""

    def __init__(self, trusted: Mapping[str, KeySource], audiences: Iterable[str], decrypt: Key | None = None):
        self._trusted = dict(trusted)
        self._audiences = frozenset(audiences)
        self._decrypt = decrypt
        self._registry = jws.JWSRegistry(algorithms=[SIGNING_ALG], strict_check_header=False)

    async def verify(self, token: str) -> ReceivedSet:
        """The checked SET; raises SetRejected (or KeysUnavailable when the keys cannot be fetched)."""
        signed = self._parse(self._decrypted(token.strip()))
        header = signed.headers()
        typ = header.get("typ")
        if not isinstance(typ, str) or typ.lower() not in _TYPES:
            raise SetRejected("invalid_request", f"typ {typ!r} is not {TYP}")
        if header.get("alg") != SIGNING_ALG or any(name in header for name in _KEY_HEADERS):
            raise SetRejected("invalid_key", f"alg {header.get('alg')!r} or a key header is not accepted")
        claims = _claims(signed.payload)
        iss = claims.get("iss")
        keys = self._trusted.get(iss) if isinstance(iss, str) else None
        if keys is None or not isinstance(iss, str):
            raise SetRejected("invalid_issuer", f"issuer {iss!r} is not trusted")
        await self._check_signature(signed, keys, header.get("kid"))
        self._check_audience(claims.get("aud"))
        return _received(iss, claims)

    def _decrypted(self, token: str) -> str:
        if token.count(".") != 4:
            return token
        if self._decrypt is None:
            raise SetRejected("invalid_request", "the SET is encrypted and no decryption key is configured")
        try:
            plaintext = jwe.decrypt_compact(token, self._decrypt, algorithms=list(JWE_ALGS)).plaintext
            return (plaintext or b"").decode()
        except (JoseError, ValueError) as error:
            raise SetRejected("invalid_key", f"the SET cannot be decrypted: {error}") from error

    def _parse(self, token: str) -> jws.CompactSignature:
        try:
            return jws.extract_compact(token.encode("ascii"), registry=self._registry)
        except (JoseError, ValueError, UnicodeEncodeError) as error:
            raise SetRejected("invalid_request", f"not a JWS compact token: {error}") from error

    async def _check_signature(self, signed: jws.CompactSignature, keys: KeySource, kid: Any) -> None:
        try:
            key = await keys.key_for(kid if isinstance(kid, str) else None, SIGNING_ALG)
        except ProviderError as error:
            raise KeysUnavailable(str(error)) from error
        except InvalidToken as error:
            raise SetRejected("invalid_key", f"no trusted key: {error.reason}") from error
        try:
            valid = jws.validate_compact(signed, key, registry=self._registry)
        except JoseError as error:
            raise SetRejected("invalid_key", f"signature check failed: {error.error}") from error
        if not valid:
            raise SetRejected("invalid_key", "the signature does not verify")

    def _check_audience(self, aud: Any) -> None:
        given = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        if not self._audiences.intersection(a for a in given if isinstance(a, str)):
            raise SetRejected("invalid_audience", f"aud {aud!r} is not this receiver")


def _claims(payload: bytes | None) -> dict[str, Any]:
    try:
        claims = json.loads(payload or b"")
    except ValueError as error:
        raise SetRejected("invalid_request", "the payload is not JSON") from error
    if not isinstance(claims, dict):
        raise SetRejected("invalid_request", "the payload is not a JSON object")
    return claims


def _received(iss: str, claims: dict[str, Any]) -> ReceivedSet:
    events, jti = claims.get("events"), claims.get("jti")
    if not isinstance(events, dict) or not events or not all(isinstance(v, dict) for v in events.values()):
        raise SetRejected("invalid_request", "events must be a non-empty object of event objects")
    if not isinstance(jti, str) or not jti:
        raise SetRejected("invalid_request", "jti must be a non-empty string")
    if not isinstance(claims.get("iat"), int | float):
        raise SetRejected("invalid_request", "iat must be a number")
    try:
        sub_id = validate(claims.get("sub_id"))
    except InvalidSubject as error:
        raise SetRejected("invalid_request", str(error)) from error
    return ReceivedSet(iss, jti, sub_id, events, claims)
