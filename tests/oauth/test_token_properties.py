"""Properties of JWT and SET parsing over generated tokens: any compact string, any header, any claims
(even correctly signed) give a named refusal (`InvalidToken`, `SetRejected`) or a checked token, never
another exception."""

from __future__ import annotations

import base64
import contextlib
import json
from typing import Any

import aiohttp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.oauth.errors import InvalidToken
from gateway.oauth.idtoken import IdTokenValidator
from gateway.oauth.jwks import JwksCache
from gateway.oauth.set import TYP
from gateway.oauth.set_verify import SetRejected, SetVerifier, StaticKeys
from tests.support.signer import CLIENT_ID, ISSUER, NONCE, JwksServer, sign

SHARED = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
TRANSMITTER = "https://tx.example.com"
AUDIENCE = "https://rx.example.com"

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)
HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "alg": st.sampled_from(["RS256", "ES256", "HS256", "none", "PS256", "", 1]) | JSON_VALUES,
        "kid": st.sampled_from(["key-1", "other", ""]) | JSON_VALUES,
        "typ": st.sampled_from(["JWT", TYP, f"application/{TYP}"]) | JSON_VALUES,
        "jku": JSON_VALUES, "crit": JSON_VALUES, "b64": JSON_VALUES,
    },
)  # fmt: skip
CLAIM_NAMES = ["iss", "sub", "aud", "exp", "iat", "nbf", "nonce", "azp", "jti", "events", "sub_id", "txn", "toe"]
CLAIMS = st.fixed_dictionaries(
    {}, optional={name: st.sampled_from([ISSUER, TRANSMITTER, AUDIENCE, CLIENT_ID, NONCE]) | JSON_VALUES
                  for name in CLAIM_NAMES}
)  # fmt: skip


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _part(value: Any) -> str:
    return _b64(value if isinstance(value, bytes) else json.dumps(value).encode())


PARTS = st.binary(max_size=40) | JSON_VALUES | HEADERS | CLAIMS
COMPACT = (
    st.text(max_size=80)
    | st.lists(PARTS.map(_part), min_size=1, max_size=6).map(".".join)
    | st.tuples(HEADERS.map(_part), CLAIMS.map(_part), st.binary(max_size=64).map(_b64)).map(".".join)
)


async def _id_token(validator: IdTokenValidator, token: str) -> None:
    with contextlib.suppress(InvalidToken):
        await validator.validate(token, nonce=NONCE)


async def _set(verifier: SetVerifier, token: str) -> None:
    with contextlib.suppress(SetRejected):
        await verifier.verify(token)


@SHARED
@given(COMPACT)
async def test_any_compact_string_is_an_id_token_or_a_named_refusal(
    session: aiohttp.ClientSession, jwks_server: JwksServer, token: str
) -> None:
    await _id_token(IdTokenValidator(ISSUER, CLIENT_ID, JwksCache(session, jwks_server.url)), token)


@SHARED
@given(CLAIMS, HEADERS)
async def test_signed_tokens_with_any_claims_are_checked_or_refused_by_name(
    session: aiohttp.ClientSession, jwks_server: JwksServer, claims: dict[str, Any], header: dict[str, Any]
) -> None:
    validator = IdTokenValidator(ISSUER, CLIENT_ID, JwksCache(session, jwks_server.url))
    # What the signer itself accepts; other header values are the unsigned generator's part.
    header = {k: v for k, v in header.items() if k in ("typ", "kid") and isinstance(v, str)}
    await _id_token(validator, sign(claims, jwks_server.keys[0], **header))


@SHARED
@given(COMPACT)
async def test_any_compact_string_is_a_set_or_a_named_refusal(jwks_server: JwksServer, token: str) -> None:
    key = jwks_server.keys[0]
    verifier = SetVerifier({TRANSMITTER: StaticKeys({"keys": [key.as_dict(private=False)]})}, [AUDIENCE])
    await _set(verifier, token)


@SHARED
@given(CLAIMS, st.sampled_from([TYP, "JWT", f"application/{TYP}"]))
async def test_signed_sets_with_any_claims_are_checked_or_refused_by_name(
    jwks_server: JwksServer, claims: dict[str, Any], typ: str
) -> None:
    key = jwks_server.keys[0]
    verifier = SetVerifier({TRANSMITTER: StaticKeys({"keys": [key.as_dict(private=False)]})}, [AUDIENCE])
    await _set(verifier, sign({"iss": TRANSMITTER, **claims}, key, typ=typ))
