"""RFC 9068 JWT access tokens from a signer we control: only `at+jwt` for our audience passes."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from joserfc.jwk import RSAKey

from gateway.oauth.accesstoken import AccessTokenValidator, token_scopes
from gateway.oauth.errors import InvalidToken
from gateway.oauth.jwks import JwksCache
from tests.support.signer import DROP, ISSUER, JwksServer, claims, rsa_key, sign, tamper, unsigned

API = "urn:gateway:api"


def at_claims(**overrides: object) -> dict[str, object]:
    """Valid access token claims for API."""
    base: dict[str, object] = {"aud": API, "nonce": DROP, "client_id": "gateway-web"}
    return claims(**{**base, "scope": "api:read", **overrides})


Forge = Callable[[RSAKey], str]
CASES: list[tuple[str, Forge, str]] = [
    ("no typ", lambda k: sign(at_claims(), k), "bad_token_type"),
    ("typ JWT", lambda k: sign(at_claims(), k, typ="JWT"), "bad_token_type"),
    ("id_token", lambda k: sign(claims(), k), "bad_token_type"),
    ("logout token", lambda k: sign(at_claims(), k, typ="logout+jwt"), "bad_token_type"),
    ("wrong audience", lambda k: sign(at_claims(aud="urn:other"), k, typ="at+jwt"), "bad_audience"),
    ("wrong issuer", lambda k: sign(at_claims(iss="https://evil.test"), k, typ="at+jwt"), "bad_issuer"),
    (
        "expired",
        lambda k: sign(at_claims(exp=int(time.time()) - 3600), k, typ="at+jwt"),
        "expired",
    ),
    ("missing exp", lambda k: sign(at_claims(exp=DROP), k, typ="at+jwt"), "missing_claim"),
    ("missing sub", lambda k: sign(at_claims(sub=DROP), k, typ="at+jwt"), "missing_claim"),
    (
        "tampered",
        lambda k: tamper(sign(at_claims(), k, typ="at+jwt"), scope="api:admin"),
        "bad_signature",
    ),
    ("alg none", lambda k: unsigned(at_claims(), "key-1"), "alg_not_allowed"),
    ("foreign key", lambda k: sign(at_claims(), rsa_key("key-1"), typ="at+jwt"), "bad_signature"),
]


@pytest.fixture
def validator(signer_keys: JwksCache) -> AccessTokenValidator:
    return AccessTokenValidator(ISSUER, API, signer_keys)


@pytest.mark.parametrize("typ", ["at+jwt", "application/at+jwt", "AT+JWT"])
async def test_access_token_with_an_rfc_9068_type_is_accepted(
    validator: AccessTokenValidator, jwks_server: JwksServer, typ: str
) -> None:
    result = await validator.validate(sign(at_claims(), jwks_server.keys[0], typ=typ))
    assert result["client_id"] == "gateway-web"
    assert token_scopes(result) == {"api:read"}


@pytest.mark.parametrize(("case", "forge", "code"), CASES, ids=[c[0] for c in CASES])
async def test_wrong_or_forged_access_token_is_refused(
    validator: AccessTokenValidator, jwks_server: JwksServer, case: str, forge: Forge, code: str
) -> None:
    with pytest.raises(InvalidToken) as caught:
        await validator.validate(forge(jwks_server.keys[0]))
    assert caught.value.code == code, caught.value.reason


@pytest.mark.parametrize(
    ("token_claims", "scopes"),
    [
        ({"scope": "a b  c"}, {"a", "b", "c"}),
        ({"scp": ["a", "b", 3]}, {"a", "b"}),
        ({}, set()),
    ],
)
def test_token_scopes_read_scope_or_scp(token_claims: dict[str, object], scopes: set[str]) -> None:
    assert token_scopes(token_claims) == scopes
