"""The Redis store against a real redis-server that goes away and comes back mid-test."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from redis.asyncio import Redis
from redis.exceptions import TimeoutError as RedisTimeoutError

from gateway.stores import RedisStore, StoreUnavailable
from tests.stores.polling import eventually
from tests.support.redis_server import RedisServer, free_port

HOUR = 3600.0


@pytest.fixture
async def store(redis_server: RedisServer) -> AsyncIterator[RedisStore]:
    """A Redis store on a fresh server."""
    result = RedisStore(redis_server.url, prefix="t:")
    yield result
    await result.close()


@pytest.fixture
async def raw(redis_server: RedisServer) -> AsyncIterator[Redis]:
    """A plain client, to look at what the store wrote."""
    client = Redis.from_url(redis_server.url)
    yield client
    await client.aclose()


async def test_every_operation_raises_store_unavailable_when_redis_is_down(
    store: RedisStore, redis_server: RedisServer
) -> None:
    await store.set("k", b"v")  # the pool now holds a connection to the server
    redis_server.stop()
    operations: list[Callable[[], Awaitable[object]]] = [
        lambda: store.get("k"),
        lambda: store.set("k", b"v"),
        lambda: store.add("k", b"v"),
        lambda: store.delete("k"),
        lambda: store.take("k", 1, 1.0),
        lambda: store.publish("c", b"m"),
        lambda: store.subscribe("c").start(),
    ]
    for operation in operations:
        with pytest.raises(StoreUnavailable) as caught:
            await operation()
        assert caught.value.__cause__ is not None


async def test_operations_work_again_after_redis_restarts(store: RedisStore, redis_server: RedisServer) -> None:
    assert (await store.take("k", 1, HOUR)).allowed
    redis_server.stop()
    with pytest.raises(StoreUnavailable):
        await store.get("k")
    redis_server.start()
    await store.set("k", b"back")
    assert await store.get("k") == b"back"
    assert (await store.take("k", 1, HOUR)).allowed  # the script is loaded again


async def test_nothing_listening_raises_store_unavailable() -> None:
    store = RedisStore(f"redis://127.0.0.1:{free_port()}/0")
    try:
        with pytest.raises(StoreUnavailable):
            await store.get("k")
    finally:
        await store.close()


async def test_a_server_that_never_answers_raises_store_unavailable() -> None:
    # The kernel completes the handshake on a listening socket that nobody reads.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        store = RedisStore(f"redis://127.0.0.1:{silent.getsockname()[1]}/0", timeout=0.1)
        try:
            with pytest.raises(StoreUnavailable) as caught:
                await store.take("k", 1, 1.0)
            assert isinstance(caught.value.__cause__, TimeoutError | RedisTimeoutError)
        finally:
            await store.close()


async def test_a_subscriber_keeps_receiving_after_redis_restarts(store: RedisStore, redis_server: RedisServer) -> None:
    async with store.subscribe("revocations") as messages:
        redis_server.restart()
        received = asyncio.create_task(anext(messages))

        async def delivered() -> bool:
            # Messages published while the subscriber reconnects are lost, so publish until
            # one arrives.
            try:
                await store.publish("revocations", b"sid-1")
            except StoreUnavailable:
                return False
            await asyncio.wait([received], timeout=0.1)
            return received.done()

        try:
            await eventually(delivered, "a message after the restart")
        finally:
            received.cancel()
        assert received.result() == b"sid-1"


async def test_keys_carry_the_prefix_and_idle_buckets_expire(store: RedisStore, raw: Redis) -> None:
    await store.set("session", b"v", ttl=60)
    await store.take("route", 10, 60.0)
    assert sorted(await raw.keys("*")) == [b"t:kv:session", b"t:tb:route"]
    assert 0 < await raw.pttl("t:kv:session") <= 60_000
    # One token short of full at 10 per minute: the bucket vanishes once it has refilled.
    assert 0 < await raw.pttl("t:tb:route") <= 6_000


async def test_a_burst_larger_than_the_pool_waits_for_free_connections(redis_server: RedisServer) -> None:
    store = RedisStore(redis_server.url, max_connections=2, timeout=5.0)
    try:
        takes = await asyncio.gather(*(store.take("k", 10, HOUR) for _ in range(50)))
        assert sum(t.allowed for t in takes) == 10
    finally:
        await store.close()


async def test_stores_with_different_prefixes_do_not_share(redis_server: RedisServer) -> None:
    one = RedisStore(redis_server.url, prefix="one:")
    two = RedisStore(redis_server.url, prefix="two:")
    try:
        await one.set("k", b"v")
        assert await two.get("k") is None
        assert (await one.take("b", 1, HOUR)).allowed
        assert (await two.take("b", 1, HOUR)).allowed
    finally:
        await one.close()
        await two.close()
