"""The Redis store through Redis Sentinel (one primary, one replica, three sentinels): it follows a
failover, keeping what was written before it, and its subscriptions move to the new primary."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest

from gateway.stores import RedisStore, StoreSpec, StoreUnavailable, open_store
from tests.stores.polling import eventually, next_message
from tests.support.sentinel import SentinelGroup

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def group() -> Iterator[SentinelGroup]:
    with SentinelGroup() as started:
        yield started


@pytest.fixture
async def store(group: SentinelGroup) -> AsyncIterator[RedisStore]:
    opened = open_store(StoreSpec.from_config({"redis": {"sentinel": group.spec, "timeout": 2}}))
    assert isinstance(opened, RedisStore)
    yield opened
    await opened.close()


async def _writes(store: RedisStore) -> bool:
    try:
        await store.set("probe", b"1")
    except StoreUnavailable:
        return False
    return True


async def test_the_store_follows_a_failover_and_keeps_its_data(group: SentinelGroup, store: RedisStore) -> None:
    await store.set("kept", b"before", ttl=3600)
    old = group.primary_port()
    new = await asyncio.to_thread(group.failover)
    assert new != old
    await eventually(lambda: _writes(store), "writes on the new primary")
    assert await store.get("kept") == b"before"
    assert (await store.take("bucket", 1, 3600)).allowed


async def test_a_subscription_moves_to_the_new_primary(group: SentinelGroup, store: RedisStore) -> None:
    subscription = store.subscribe("news")
    await subscription.start()
    messages = aiter(subscription)
    await store.publish("news", b"one")
    assert await next_message(messages) == b"one"
    await asyncio.to_thread(group.failover)
    await eventually(lambda: _writes(store), "writes on the new primary")
    got: list[bytes] = []

    async def delivered() -> bool:
        await store.publish("news", b"two")
        try:
            got.append(await asyncio.wait_for(anext(messages), 0.2))
        except TimeoutError:
            return False
        return True

    await eventually(delivered, "a message published on the new primary")
    assert got[-1] == b"two"
    await subscription.aclose()
