"""The verified-token cache: a repeated token is a lookup, bounded in size and by each token's exp."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from gateway.auth.bearer_verify import BearerVerifier, looks_like_jwt
from gateway.auth.provider import OidcProvider
from gateway.auth.token_cache import TokenCache
from gateway.services import Services
from gateway.settings import Settings
from idp.driver import WEB_CLIENT_ID
from tests.support.fixtures import Clock
from tests.support.signer_issuer import AUDIENCE, SignerIssuer


def test_entry_is_served_until_its_own_expiry(clock: Clock) -> None:
    cache: TokenCache[str] = TokenCache(10, clock)
    cache.put("t1", "one", expires=1_010.0)
    clock.now = 1_009.9
    assert cache.get("t1") == "one"
    clock.now = 1_010.0
    assert cache.get("t1") is None
    assert len(cache) == 0


def test_already_expired_entry_is_not_kept(clock: Clock) -> None:
    cache: TokenCache[str] = TokenCache(10, clock)
    cache.put("t1", "one", expires=clock.now)
    assert len(cache) == 0


def test_least_recently_used_entry_goes_past_the_bound(clock: Clock) -> None:
    cache: TokenCache[str] = TokenCache(2, clock)
    cache.put("a", "A", 2_000.0)
    cache.put("b", "B", 2_000.0)
    assert cache.get("a") == "A"  # now b is the least recently used
    cache.put("c", "C", 2_000.0)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("A", None, "C")


@pytest.mark.parametrize(("token", "jwt"), [("a.b.c", True), ("opaque_TOKEN-1", False), ("a.b", False)])
def test_jwt_shape(token: str, jwt: bool) -> None:
    assert looks_like_jwt(token) is jwt


@pytest.fixture
async def provider(signer: SignerIssuer) -> AsyncIterator[OidcProvider]:
    async with aiohttp.ClientSession() as http:
        services = Services(settings=Settings(), http=http)
        config = OidcProvider.Config(issuer=signer.url, clientId=WEB_CLIENT_ID, clientSecret="s")
        yield OidcProvider("signer", config, services, cooldown=60)


def _verifier(provider: OidcProvider, size: int = 10, ttl: float = 60) -> BearerVerifier:
    return BearerVerifier(provider, AUDIENCE, introspection=None, cache_ttl=ttl, cache_size=size)


async def test_repeated_jwt_is_answered_from_the_cache(signer: SignerIssuer, provider: OidcProvider) -> None:
    verifier = _verifier(provider)
    token = signer.access_token()
    first = await verifier.verify(token)
    assert await verifier.verify(token) is first
    assert first.subject == "carol" and first.scopes == frozenset({"api:read"})


async def test_evicted_jwt_is_verified_again(signer: SignerIssuer, provider: OidcProvider) -> None:
    verifier = _verifier(provider, size=1)
    one, two = signer.access_token(), signer.access_token(sub="dave")
    first = await verifier.verify(one)
    await verifier.verify(two)
    again = await verifier.verify(one)
    assert again is not first and again == first


async def test_introspection_answer_is_kept_no_longer_than_the_token_exp(
    signer: SignerIssuer, provider: OidcProvider
) -> None:
    clock = Clock()
    clock.now = 1_000.0
    verifier = BearerVerifier(provider, AUDIENCE, introspection=None, cache_ttl=60, cache_size=10, clock=clock)
    signer.introspection = (200, {"active": True, "sub": "erin", "exp": 1_030, "token_type": "Bearer"})
    await verifier.verify("opaque-1")
    clock.now = 1_029.0
    await verifier.verify("opaque-1")
    assert signer.introspections == 1
    clock.now = 1_030.0
    assert verifier.cache.get("opaque-1") is None


async def test_introspection_answer_is_kept_no_longer_than_the_configured_bound(
    signer: SignerIssuer, provider: OidcProvider
) -> None:
    clock = Clock()
    verifier = BearerVerifier(provider, AUDIENCE, introspection=None, cache_ttl=5, cache_size=10, clock=clock)
    signer.introspection = (200, {"active": True, "sub": "erin", "exp": 9_999_999_999, "token_type": "Bearer"})
    await verifier.verify("opaque-2")
    clock.now += 5
    await verifier.verify("opaque-2")
    assert signer.introspections == 2


async def test_concurrent_first_uses_of_an_opaque_token_share_one_introspection(
    signer: SignerIssuer, provider: OidcProvider
) -> None:
    verifier = _verifier(provider)
    signer.introspection = (200, {"active": True, "sub": "erin", "token_type": "Bearer"})
    identities = await asyncio.gather(*(verifier.verify("opaque-3") for _ in range(5)))
    assert signer.introspections == 1
    assert {i.subject for i in identities} == {"erin"}
