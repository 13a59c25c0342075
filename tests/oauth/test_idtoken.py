"""id_token validation (OpenID Connect Core 3.1.3.7) against tokens from a signer we control."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from joserfc.jwk import ECKey, RSAKey

from gateway.oauth.errors import InvalidToken
from gateway.oauth.idtoken import IdTokenValidator
from gateway.oauth.jwks import JwksCache
from tests.support.signer import (
    CLIENT_ID,
    DROP,
    ISSUER,
    NONCE,
    JwksServer,
    claims,
    hs256_with_public_key,
    rsa_key,
    sign,
    sign_bytes,
    tamper,
    unsigned,
)


@dataclass
class Keys:
    """The provider's real key, and an attacker's key with its own JWKS URL."""

    provider: RSAKey
    attacker: RSAKey
    attacker_jwks: JwksServer
    attacker_jwks_url: str


def _validator(keys: JwksCache, **options: Any) -> IdTokenValidator:
    return IdTokenValidator(ISSUER, CLIENT_ID, keys, **options)


Forge = Callable[[Keys], str]
CASES: list[tuple[str, Forge, str]] = [
    ("wrong iss", lambda k: sign(claims(iss="https://evil.test"), k.provider), "bad_issuer"),
    ("iss with slash", lambda k: sign(claims(iss=ISSUER + "/"), k.provider), "bad_issuer"),
    ("wrong aud", lambda k: sign(claims(aud="other-client"), k.provider), "bad_audience"),
    ("missing aud", lambda k: sign(claims(aud=DROP), k.provider), "bad_audience"),
    ("empty aud list", lambda k: sign(claims(aud=[]), k.provider), "bad_audience"),
    (
        "extra untrusted aud",
        lambda k: sign(claims(aud=[CLIENT_ID, "evil-api"], azp=CLIENT_ID), k.provider),
        "bad_audience",
    ),
    ("azp of another client", lambda k: sign(claims(azp="other"), k.provider), "bad_azp"),
    ("bad signature", lambda k: sign(claims(), k.attacker, kid="key-1"), "bad_signature"),
    ("tampered payload", lambda k: tamper(sign(claims(), k.provider), sub="admin"), "bad_signature"),
    ("alg none", lambda k: unsigned(claims(), "key-1"), "alg_not_allowed"),
    ("HS256 with RSA public key", lambda k: hs256_with_public_key(claims(), k.provider), "alg_not_allowed"),
    ("alg outside allowlist", lambda k: sign(claims(), k.provider, alg="RS512"), "alg_not_allowed"),
    (
        "own key in jwk header",
        lambda k: sign(claims(), k.attacker, kid=DROP, jwk=k.attacker.as_dict(private=False)),
        "untrusted_key_header",
    ),
    (
        "own key in jwk header with the provider's kid",
        lambda k: sign(claims(), k.attacker, kid="key-1", jwk=k.attacker.as_dict(private=False)),
        "untrusted_key_header",
    ),
    (
        "own key set in jku header",
        lambda k: sign(claims(), k.attacker, jku=k.attacker_jwks_url),
        "untrusted_key_header",
    ),
    ("x5u header", lambda k: sign(claims(), k.attacker, x5u="https://evil.test/c.pem"), "untrusted_key_header"),
    ("expired", lambda k: sign(claims(exp=int(time.time()) - 3600), k.provider), "expired"),
    ("missing exp", lambda k: sign(claims(exp=DROP), k.provider), "missing_claim"),
    ("missing iat", lambda k: sign(claims(iat=DROP), k.provider), "missing_claim"),
    ("iat not a number", lambda k: sign(claims(iat="yesterday"), k.provider), "missing_claim"),
    ("iat in the future", lambda k: sign(claims(iat=int(time.time()) + 3600), k.provider), "not_yet_valid"),
    ("missing sub", lambda k: sign(claims(sub=DROP), k.provider), "missing_claim"),
    ("empty sub", lambda k: sign(claims(sub=""), k.provider), "missing_claim"),
    ("wrong nonce", lambda k: sign(claims(nonce="other"), k.provider), "bad_nonce"),
    ("missing nonce", lambda k: sign(claims(nonce=DROP), k.provider), "bad_nonce"),
    ("access token type", lambda k: sign(claims(), k.provider, typ="at+jwt"), "bad_token_type"),
    ("logout token type", lambda k: sign(claims(), k.provider, typ="logout+jwt"), "bad_token_type"),
    ("unknown kid", lambda k: sign(claims(), k.attacker, kid="key-9"), "unknown_kid"),
    ("not a JWS", lambda k: "not.a.token", "invalid_token"),
    ("JSON array payload", lambda k: sign_bytes(b"[1, 2]", k.provider), "invalid_token"),
    ("payload not JSON", lambda k: sign_bytes(b"hello", k.provider), "invalid_token"),
]


@pytest.fixture
async def keys(jwks_server: JwksServer, aiohttp_server: Any) -> Keys:
    attacker = rsa_key("attacker")
    evil = JwksServer([attacker])
    evil_server = await aiohttp_server(evil.app)
    return Keys(jwks_server.keys[0], attacker, evil, str(evil_server.make_url("/jwks")))


async def test_valid_id_token_yields_its_claims(signer_keys: JwksCache, keys: Keys) -> None:
    token = sign(claims(email="alice@example.com"), keys.provider)
    result = await _validator(signer_keys).validate(token, nonce=NONCE)
    assert result["sub"] == "alice"
    assert result["email"] == "alice@example.com"


@pytest.mark.parametrize(("case", "forge", "code"), CASES, ids=[c[0] for c in CASES])
async def test_forged_or_wrong_id_token_is_refused(
    signer_keys: JwksCache, keys: Keys, case: str, forge: Forge, code: str
) -> None:
    token = forge(keys)
    with pytest.raises(InvalidToken) as caught:
        await _validator(signer_keys).validate(token, nonce=NONCE)
    assert caught.value.code == code, caught.value.reason
    assert keys.attacker_jwks.fetches == 0


async def test_trusted_extra_audience_with_azp_is_accepted(signer_keys: JwksCache, keys: Keys) -> None:
    token = sign(claims(aud=[CLIENT_ID, "api"], azp=CLIENT_ID), keys.provider)
    validator = _validator(signer_keys, trusted_audiences=["api"])
    assert (await validator.validate(token, nonce=NONCE))["aud"] == [CLIENT_ID, "api"]


async def test_several_audiences_without_azp_are_refused(signer_keys: JwksCache, keys: Keys) -> None:
    token = sign(claims(aud=[CLIENT_ID, "api"]), keys.provider)
    with pytest.raises(InvalidToken) as caught:
        await _validator(signer_keys, trusted_audiences=["api"]).validate(token, nonce=NONCE)
    assert caught.value.code == "bad_azp"


async def test_expiry_within_the_leeway_is_accepted(signer_keys: JwksCache, keys: Keys) -> None:
    token = sign(claims(exp=int(time.time()) - 10), keys.provider)
    assert await _validator(signer_keys, leeway=60).validate(token, nonce=NONCE)


async def test_nonce_check_can_be_skipped_for_refreshed_id_tokens(signer_keys: JwksCache, keys: Keys) -> None:
    token = sign(claims(nonce=DROP), keys.provider)
    assert (await _validator(signer_keys).validate(token, nonce=None))["sub"] == "alice"


async def test_token_without_kid_uses_the_only_fitting_key(signer_keys: JwksCache, keys: Keys) -> None:
    token = sign(claims(), keys.provider, kid=DROP)
    assert (await _validator(signer_keys).validate(token, nonce=NONCE))["sub"] == "alice"


async def test_es256_token_verifies_when_es256_is_allowed(signer_keys: JwksCache, jwks_server: JwksServer) -> None:
    ec = ECKey.generate_key("P-256", {"kid": "ec-1"})
    jwks_server.keys.append(ec)
    token = sign(claims(), ec, alg="ES256")
    validator = _validator(signer_keys, algorithms=["RS256", "ES256"])
    assert (await validator.validate(token, nonce=NONCE))["sub"] == "alice"


@pytest.mark.parametrize("algorithms", [["none"], ["HS256"], ["RS256", "HS512"], [], ["XX1"]])
def test_allowlists_with_none_hmac_or_unknown_algorithms_are_refused(
    signer_keys: JwksCache, algorithms: list[str]
) -> None:
    with pytest.raises(ValueError, match="asymmetric"):
        _validator(signer_keys, algorithms=algorithms)
