"""The in-process store stays bounded: a flood of expiring keys does not stay in memory."""

from __future__ import annotations

from gateway.stores import MemoryStore
from tests.stores.polling import eventually


async def test_a_flood_of_expired_values_is_swept_by_later_writes() -> None:
    store = MemoryStore()
    await store.set("keep", b"v")
    for i in range(5000):
        await store.set(f"flood-{i}", b"v", ttl=0.05)
        assert f"flood-{i}" in store._kv  # held until its deadline passes

    async def swept() -> bool:
        await store.set("tick", b"v")
        return len(store) == 2

    await eventually(swept, "expired values to be swept")
    assert await store.get("keep") == b"v"


async def test_buckets_are_forgotten_once_they_have_refilled() -> None:
    store = MemoryStore()
    for i in range(1000):
        await store.take(f"client-{i}", 5, 0.05)
        assert f"client-{i}" in store._buckets  # held until it has refilled

    async def forgotten() -> bool:
        await store.set("tick", b"v")
        return len(store) == 1

    await eventually(forgotten, "refilled buckets to be dropped")


async def test_rewriting_a_value_many_times_keeps_the_deadlines_bounded() -> None:
    store = MemoryStore()
    for i in range(20_000):
        await store.set("same", str(i).encode(), ttl=3600)
    assert len(store._deadlines) < 2 * len(store) + 1024 + 1
    assert await store.get("same") == b"19999"
