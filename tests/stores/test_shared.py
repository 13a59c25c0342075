"""Two store instances on one backend, as two worker processes would have, share everything."""

from __future__ import annotations

import asyncio

from tests.stores.conftest import Backend
from tests.stores.polling import next_message

HOUR = 3600.0


async def test_a_value_set_by_one_instance_is_read_by_the_other(shared: Backend) -> None:
    one, two = shared.open(), shared.open()
    await one.set("k", b"v", ttl=HOUR)
    assert await two.get("k") == b"v"
    await two.delete("k")
    assert await one.get("k") is None


async def test_add_wins_once_across_instances(shared: Backend) -> None:
    stores = [shared.open() for _ in range(5)]
    results = await asyncio.gather(*(s.add("jti", b"seen") for s in stores for _ in range(10)))
    assert results.count(True) == 1


async def test_instances_take_from_one_bucket(shared: Backend) -> None:
    one, two = shared.open(), shared.open()
    takes = await asyncio.gather(*(store.take("route:api", 10, HOUR) for store in (one, two) for _ in range(20)))
    assert sum(t.allowed for t in takes) == 10
    assert not (await one.take("route:api", 10, HOUR)).allowed
    assert not (await two.take("route:api", 10, HOUR)).allowed


async def test_a_message_published_by_one_instance_reaches_the_other(shared: Backend) -> None:
    publisher, subscriber = shared.open(), shared.open()
    async with subscriber.subscribe("revocations") as messages:
        await publisher.publish("revocations", b"sid-1")
        await publisher.publish("revocations", b"sid-2")
        assert await next_message(messages) == b"sid-1"
        assert await next_message(messages) == b"sid-2"
