"""One suite for every backend: values, expiry, add, token buckets, pub/sub, close."""

from __future__ import annotations

import asyncio

import pytest

from gateway.stores import Store, StoreUnavailable
from tests.stores.polling import eventually, next_message

# A period so long that no token refills while a test runs.
HOUR = 3600.0


async def test_get_returns_what_set_stored(store: Store) -> None:
    await store.set("k", b"\x00binary\xff")
    assert await store.get("k") == b"\x00binary\xff"


async def test_get_of_a_missing_key_is_none(store: Store) -> None:
    assert await store.get("missing") is None


async def test_set_replaces_the_value(store: Store) -> None:
    await store.set("k", b"one")
    await store.set("k", b"two")
    assert await store.get("k") == b"two"


async def test_delete_removes_the_key_and_ignores_missing_ones(store: Store) -> None:
    await store.set("k", b"v")
    await store.delete("k")
    await store.delete("never-set")
    assert await store.get("k") is None


async def test_value_with_a_ttl_expires(store: Store) -> None:
    await store.set("short", b"v", ttl=0.05)
    await store.set("long", b"v", ttl=HOUR)

    async def expired() -> bool:
        return await store.get("short") is None

    await eventually(expired, "the short-lived value to expire")
    assert await store.get("long") == b"v"


async def test_set_without_ttl_makes_a_value_permanent(store: Store) -> None:
    await store.set("was-short", b"v", ttl=0.05)
    await store.set("was-short", b"kept")
    await store.set("witness", b"v", ttl=0.05)

    async def witness_expired() -> bool:
        return await store.get("witness") is None

    await eventually(witness_expired, "the witness to expire")
    assert await store.get("was-short") == b"kept"


@pytest.mark.parametrize("ttl", [0, -1.0, float("nan")])
async def test_a_ttl_that_is_not_positive_is_refused(store: Store, ttl: float) -> None:
    with pytest.raises(ValueError, match="ttl"):
        await store.set("k", b"v", ttl=ttl)
    with pytest.raises(ValueError, match="ttl"):
        await store.add("k", b"v", ttl=ttl)


async def test_add_stores_only_when_the_key_is_absent(store: Store) -> None:
    assert await store.add("once", b"first") is True
    assert await store.add("once", b"second") is False
    assert await store.get("once") == b"first"


async def test_add_succeeds_again_once_the_value_expired(store: Store) -> None:
    assert await store.add("lock", b"a", ttl=0.05)

    async def added_again() -> bool:
        return await store.add("lock", b"b", ttl=HOUR)

    await eventually(added_again, "add to succeed after expiry")
    assert await store.get("lock") == b"b"


async def test_exactly_one_of_50_concurrent_adds_wins(store: Store) -> None:
    results = await asyncio.gather(*(store.add("race", str(i).encode()) for i in range(50)))
    assert results.count(True) == 1
    winner = results.index(True)
    assert await store.get("race") == str(winner).encode()


async def test_bucket_allows_exactly_its_capacity_under_concurrent_takes(store: Store) -> None:
    takes = await asyncio.gather(*(store.take("api", 10, HOUR) for _ in range(50)))
    assert sum(t.allowed for t in takes) == 10
    assert sorted(t.remaining for t in takes if t.allowed) == list(range(10))


async def test_denied_take_says_when_to_retry(store: Store) -> None:
    first = await store.take("k", 1, HOUR)
    denied = await store.take("k", 1, HOUR)
    assert first.allowed and first.retry_after == 0
    assert not denied.allowed and denied.remaining == 0
    assert 0 < denied.retry_after <= HOUR
    assert 0 < denied.reset <= HOUR


async def test_fresh_bucket_is_full_and_reports_time_to_refill(store: Store) -> None:
    take = await store.take("k", 4, 8.0)
    assert take.allowed and take.remaining == 3
    assert 0 < take.reset <= 2.0  # one token at 0.5 tokens per second


async def test_bucket_refills_after_waiting(store: Store) -> None:
    # Drain it, however fast it refills while the test runs, then wait for a token.
    takes = [await store.take("k", 2, 0.2) for _ in range(2)]
    while takes[-1].allowed and len(takes) < 1000:
        takes.append(await store.take("k", 2, 0.2))
    assert not takes[-1].allowed and takes[-1].retry_after > 0

    async def refilled() -> bool:
        return (await store.take("k", 2, 0.2)).allowed

    await eventually(refilled, "the bucket to refill")


async def test_take_with_a_cost_takes_that_many_tokens(store: Store) -> None:
    assert (await store.take("k", 5, HOUR, cost=3)).remaining == 2
    denied = await store.take("k", 5, HOUR, cost=3)
    assert not denied.allowed and denied.remaining == 2
    assert 0 < denied.retry_after <= HOUR / 5
    assert (await store.take("k", 5, HOUR, cost=2)).allowed
    assert not (await store.take("k", 5, HOUR)).allowed


async def test_buckets_are_separate_per_key_and_apart_from_values(store: Store) -> None:
    await store.set("shared-name", b"value")
    assert (await store.take("shared-name", 1, HOUR)).allowed
    assert (await store.take("other", 1, HOUR)).allowed
    assert not (await store.take("shared-name", 1, HOUR)).allowed
    assert await store.get("shared-name") == b"value"


@pytest.mark.parametrize(("capacity", "period", "cost"), [(0, 1.0, 1), (1, 0.0, 1), (1, -1.0, 1), (2, 1.0, 3)])
async def test_take_refuses_a_bucket_that_cannot_work(store: Store, capacity: int, period: float, cost: int) -> None:
    with pytest.raises(ValueError):
        await store.take("k", capacity, period, cost)


async def test_published_message_reaches_every_subscriber_of_its_channel(store: Store) -> None:
    async with (
        store.subscribe("news") as one,
        store.subscribe("news") as two,
        store.subscribe("other") as other,
    ):
        await store.publish("news", b"first")
        await store.publish("other", b"elsewhere")
        await store.publish("news", b"second")
        assert [await next_message(one), await next_message(one)] == [b"first", b"second"]
        assert [await next_message(two), await next_message(two)] == [b"first", b"second"]
        assert await next_message(other) == b"elsewhere"


async def test_subscriber_gets_only_messages_published_after_it_subscribed(store: Store) -> None:
    await store.publish("news", b"before")
    async with store.subscribe("news") as messages:
        await store.publish("news", b"after")
        assert await next_message(messages) == b"after"


async def test_closed_subscription_ends_its_iteration(store: Store) -> None:
    subscription = store.subscribe("news")
    await subscription.start()
    await subscription.aclose()
    assert [m async for m in subscription] == []


async def test_closing_the_store_ends_subscriptions_and_refuses_operations(store: Store) -> None:
    subscription = store.subscribe("news")
    await subscription.start()
    await store.close()
    assert [m async for m in subscription] == []
    with pytest.raises(StoreUnavailable):
        await store.get("k")
    with pytest.raises(StoreUnavailable):
        await store.take("k", 1, 1.0)
