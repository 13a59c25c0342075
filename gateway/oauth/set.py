"""Security Event Tokens (RFC 8417) carrying CAEP 1.0 and SSF 1.0 events, signed and sent.

Per RFC 8417 §2.2 and the CAEP Interoperability Profile 1.0: the JOSE header has
`typ: secevent+jwt`, `alg: RS256` and a `kid` from the transmitter's JWKS; the claims are `iss`,
`aud`, `iat`, a unique `jti`, `txn`, a top-level `sub_id` (SSF §4.1.2) and exactly one event —
never `sub` nor `exp`, so that a SET cannot pass for an id_token or access token (RFC 8417 §4).
Unsigned SETs (`alg: none`) are never made. Optional JWE wraps the signed SET (RFC 8417 §2.2).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping, Sequence
from typing import Any

from joserfc import jwe, jws
from joserfc.jwk import Key, RSAKey

TYP = "secevent+jwt"
MEDIA_TYPE = "application/secevent+jwt"
SESSION_REVOKED = "https://schemas.openid.net/secevent/caep/event-type/session-revoked"
VERIFICATION = "https://schemas.openid.net/secevent/ssf/event-type/verification"
STREAM_UPDATED = "https://schemas.openid.net/secevent/ssf/event-type/stream-updated"
SIGNING_ALG = "RS256"
MIN_RSA_BITS = 2048
# RFC 8417 §2.2 with JWE: RSA-OAEP-256 key wrapping, AES-256-GCM content (CAEP interop profile).
JWE_ALGS = ("RSA-OAEP-256", "A256GCM")
INITIATORS = frozenset({"admin", "user", "policy", "system"})


class SetSigner:
    """Signs SETs of one transmitter `issuer` with an RSA key of at least 2048 bits; its JWKS also
    publishes `also_published` keys (the next one before a rotation, the previous one after it)."""

    def __init__(self, issuer: str, key: RSAKey, also_published: Sequence[RSAKey] = ()) -> None:
        size = key.private_key.key_size if key.private_key is not None else 0
        if size < MIN_RSA_BITS:
            raise ValueError(f"the SET signing key must be an RSA private key of at least {MIN_RSA_BITS} bits")
        self.issuer = issuer
        self.key = key
        self.kid = key.thumbprint()
        self.also_published = [k for k in also_published if k.thumbprint() != self.kid]

    def jwks(self) -> dict[str, Any]:
        """The public key set receivers verify with (RFC 7517): the signing key first."""
        keys = []
        for key in (self.key, *self.also_published):
            public = key.as_dict(private=False)
            public.update(kid=key.thumbprint(), use="sig", alg=SIGNING_ALG)
            keys.append(public)
        return {"keys": keys}

    def sign(self, claims: Mapping[str, Any], encrypt_to: Key | None = None) -> str:
        """The compact JWS of `claims` (then JWE to `encrypt_to`, when given)."""
        header = {"alg": SIGNING_ALG, "typ": TYP, "kid": self.kid}
        token = jws.serialize_compact(header, _json(claims), self.key, algorithms=[SIGNING_ALG])
        if encrypt_to is None:
            return token
        protected = {"alg": JWE_ALGS[0], "enc": JWE_ALGS[1], "cty": TYP, "typ": TYP}
        return jwe.encrypt_compact(protected, token.encode(), encrypt_to, algorithms=list(JWE_ALGS))

    def claims(self, aud: str | list[str], sub_id: Mapping[str, Any], events: Mapping[str, Any]) -> dict[str, Any]:
        """The envelope every SET of this transmitter shares: iss, aud, iat, jti, txn, sub_id."""
        return {
            "iss": self.issuer,
            "aud": aud,
            "iat": int(time.time()),
            "jti": secrets.token_hex(16),
            "txn": secrets.token_hex(8),
            "sub_id": dict(sub_id),
            "events": dict(events),
        }


def session_revoked(at: float, initiating_entity: str, reason: str) -> dict[str, Any]:
    """CAEP 1.0 §3.1 session-revoked: when, by whom, and why (in English, for administrators)."""
    if initiating_entity not in INITIATORS:
        raise ValueError(f"initiating_entity must be one of {sorted(INITIATORS)}")
    event = {"event_timestamp": at, "initiating_entity": initiating_entity, "reason_admin": {"en": reason}}
    return {SESSION_REVOKED: event}


def verification(state: str | None) -> dict[str, Any]:
    """SSF §8.1.4.1 verification event, echoing the receiver's `state` when it gave one."""
    return {VERIFICATION: {} if state is None else {"state": state}}


def stream_updated(status: str, reason: str | None = None) -> dict[str, Any]:
    """SSF §8.1.5 stream-updated event: the stream's new status."""
    body = {"status": status} if reason is None else {"status": status, "reason": reason}
    return {STREAM_UPDATED: body}


def stream_subject(stream_id: str) -> dict[str, str]:
    """SSF §8.1.4.1: verification and stream events name the stream as an opaque subject."""
    return {"format": "opaque", "id": stream_id}


def _json(claims: Mapping[str, Any]) -> bytes:
    return json.dumps(claims, separators=(",", ":")).encode()
