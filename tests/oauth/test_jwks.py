"""JWKS cache: key rotation is picked up by one refetch; unknown kids cannot force more."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from joserfc.jwk import RSAKey

from gateway.oauth.errors import InvalidToken, ProviderError
from gateway.oauth.idtoken import IdTokenValidator
from gateway.oauth.jwks import JwksCache
from tests.support.fixtures import Clock
from tests.support.signer import CLIENT_ID, ISSUER, NONCE, JwksServer, claims, rsa_key, sign


@pytest.fixture
def cache(session: aiohttp.ClientSession, jwks_server: JwksServer, clock: Clock) -> JwksCache:
    return JwksCache(session, jwks_server.url, cooldown=300, clock=clock)


async def _validate(cache: JwksCache, token: str) -> str:
    validator = IdTokenValidator(ISSUER, CLIENT_ID, cache)
    return str((await validator.validate(token, nonce=NONCE))["sub"])


async def test_rotated_key_is_accepted_after_exactly_one_refetch(cache: JwksCache, jwks_server: JwksServer) -> None:
    old = jwks_server.keys[0]
    assert await _validate(cache, sign(claims(), old)) == "alice"
    assert jwks_server.fetches == 1
    new = rsa_key("key-2")
    jwks_server.keys = [new, old]
    assert await _validate(cache, sign(claims(sub="bob"), new)) == "bob"
    assert jwks_server.fetches == 2
    assert await _validate(cache, sign(claims(sub="carol"), old)) == "carol"
    assert jwks_server.fetches == 2


async def _add_key(cache: JwksCache, jwks_server: JwksServer) -> RSAKey:
    """Once the cache holds the served keys, a new one, `key-2`, is served beside them."""
    await _validate(cache, sign(claims(), jwks_server.keys[0]))
    new = rsa_key("key-2")
    jwks_server.keys.append(new)
    return new


async def test_second_unknown_kid_within_the_cool_down_does_not_refetch(
    cache: JwksCache, jwks_server: JwksServer, clock: Clock
) -> None:
    new = await _add_key(cache, jwks_server)
    await _validate(cache, sign(claims(), new))
    assert jwks_server.fetches == 2
    clock.now += 299
    with pytest.raises(InvalidToken) as caught:
        await _validate(cache, sign(claims(), rsa_key("key-3")))
    assert caught.value.code == "unknown_kid"
    assert jwks_server.fetches == 2


async def test_unknown_kid_after_the_cool_down_refetches_once(
    cache: JwksCache, jwks_server: JwksServer, clock: Clock
) -> None:
    await _validate(cache, sign(claims(), jwks_server.keys[0]))
    clock.now += 301
    with pytest.raises(InvalidToken):
        await _validate(cache, sign(claims(), rsa_key("key-3")))
    assert jwks_server.fetches == 2


async def test_concurrent_unknown_kids_share_one_refetch(
    cache: JwksCache, jwks_server: JwksServer, clock: Clock
) -> None:
    new = await _add_key(cache, jwks_server)
    clock.now += 301
    subs = await asyncio.gather(*(_validate(cache, sign(claims(), new)) for _ in range(20)))
    assert subs == ["alice"] * 20
    assert jwks_server.fetches == 2


async def test_on_a_fresh_start_a_kid_missing_from_the_first_set_gets_one_refetch(
    cache: JwksCache, jwks_server: JwksServer, clock: Clock
) -> None:
    old, new = jwks_server.keys[0], rsa_key("key-2")
    jwks_server.first, jwks_server.keys = [old], [new, old]
    assert await _validate(cache, sign(claims(), new)) == "alice"
    assert jwks_server.fetches == 2
    # That refetch started the cool-down, as any refetch does.
    clock.now += 299
    with pytest.raises(InvalidToken):
        await _validate(cache, sign(claims(), rsa_key("key-3")))
    assert jwks_server.fetches == 2


async def test_on_a_fresh_start_an_unknown_kid_costs_two_fetches_at_most(
    cache: JwksCache, jwks_server: JwksServer
) -> None:
    for _ in range(3):
        with pytest.raises(InvalidToken):
            await _validate(cache, sign(claims(), rsa_key("forged")))
    assert jwks_server.fetches == 2


async def test_cold_start_burst_fetches_the_key_set_once(cache: JwksCache, jwks_server: JwksServer) -> None:
    token = sign(claims(), jwks_server.keys[0])
    subs = await asyncio.gather(*(_validate(cache, token) for _ in range(20)))
    assert subs == ["alice"] * 20
    assert jwks_server.fetches == 1


@pytest.mark.parametrize(
    "entry",
    [
        {"use": "enc"},
        {"alg": "PS256"},
        {"kty": "oct", "k": "c2VjcmV0"},
        {"kty": "XYZ"},
    ],
    ids=["encryption key", "key for another alg", "symmetric key", "unknown key type"],
)
async def test_unusable_jwks_entries_never_verify_a_token(
    cache: JwksCache, jwks_server: JwksServer, entry: dict[str, Any]
) -> None:
    other = rsa_key("other")
    jwks_server.keys = []
    jwks_server.extra = [{**other.as_dict(private=False), **entry}]
    with pytest.raises(InvalidToken) as caught:
        await _validate(cache, sign(claims(), other))
    assert caught.value.code == "unknown_kid"


async def test_an_unusable_entry_does_not_hide_the_other_keys(cache: JwksCache, jwks_server: JwksServer) -> None:
    jwks_server.extra = [{"kty": "EC", "crv": "P-999", "kid": "broken", "x": "AA", "y": "AA"}]
    assert await _validate(cache, sign(claims(), jwks_server.keys[0])) == "alice"


async def test_unreachable_jwks_is_a_provider_error(session: aiohttp.ClientSession) -> None:
    cache = JwksCache(session, "http://127.0.0.1:9/jwks")
    with pytest.raises(ProviderError):
        await cache.key_for("key-1", "RS256")


async def test_failed_fetch_starts_the_cool_down(session: aiohttp.ClientSession, clock: Clock) -> None:
    cache = JwksCache(session, "http://127.0.0.1:9/jwks", cooldown=60, clock=clock)
    with pytest.raises(ProviderError, match="Connect"):
        await cache.key_for("key-1", "RS256")
    with pytest.raises(ProviderError, match="cool-down"):
        await cache.key_for("key-1", "RS256")
