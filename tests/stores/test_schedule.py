"""Schedules on every backend: members due at a time, claimed with a lease so that concurrent
claimers, in one process or several sharing the store, never get the same member twice at once."""

from __future__ import annotations

import asyncio

import pytest

from gateway.stores import Store, StoreUnavailable
from tests.stores.conftest import Backend

NOW = 1_000_000.0
LEASE = 60.0


async def test_only_members_due_by_now_are_claimed_earliest_first(store: Store) -> None:
    await store.schedule("s", "late", NOW + 1)
    await store.schedule("s", "second", NOW - 5)
    await store.schedule("s", "first", NOW - 10)
    await store.schedule("s", "exactly-now", NOW)
    assert await store.claim_due("s", NOW, LEASE, 10) == ["first", "second", "exactly-now"]


async def test_a_claimed_member_is_hidden_until_its_lease_runs_out(store: Store) -> None:
    await store.schedule("s", "sid-1", NOW)
    assert await store.claim_due("s", NOW, LEASE, 10) == ["sid-1"]
    assert await store.claim_due("s", NOW + LEASE - 1, LEASE, 10) == []
    assert await store.claim_due("s", NOW + LEASE, LEASE, 10) == ["sid-1"]


async def test_scheduling_again_replaces_the_time(store: Store) -> None:
    await store.schedule("s", "sid-1", NOW - 1)
    await store.schedule("s", "sid-1", NOW + 100)
    assert await store.claim_due("s", NOW, LEASE, 10) == []
    assert await store.claim_due("s", NOW + 100, LEASE, 10) == ["sid-1"]


async def test_unscheduled_members_are_never_claimed(store: Store) -> None:
    await store.schedule("s", "kept", NOW)
    await store.schedule("s", "gone", NOW)
    await store.unschedule("s", "gone")
    await store.unschedule("s", "never-scheduled")
    assert await store.claim_due("s", NOW, LEASE, 10) == ["kept"]


async def test_a_claim_takes_at_most_its_limit(store: Store) -> None:
    for i in range(5):
        await store.schedule("s", f"sid-{i}", NOW - i)
    assert await store.claim_due("s", NOW, LEASE, 2) == ["sid-4", "sid-3"]
    assert await store.claim_due("s", NOW, LEASE, 10) == ["sid-2", "sid-1", "sid-0"]


async def test_schedules_are_separate_per_key_and_apart_from_values(store: Store) -> None:
    await store.schedule("a", "sid-1", NOW)
    await store.set("a", b"value")
    assert await store.claim_due("b", NOW, LEASE, 10) == []
    assert await store.claim_due("a", NOW, LEASE, 10) == ["sid-1"]
    assert await store.get("a") == b"value"


async def test_concurrent_claims_never_share_a_member(store: Store) -> None:
    members = {f"sid-{i}" for i in range(40)}
    for member in members:
        await store.schedule("s", member, NOW)
    claims = await asyncio.gather(*(store.claim_due("s", NOW, LEASE, 3) for _ in range(20)))
    claimed = [member for claim in claims for member in claim]
    assert sorted(claimed) == sorted(members)


@pytest.mark.parametrize(("lease", "limit"), [(0, 10), (-1, 10), (LEASE, 0)])
async def test_a_claim_that_cannot_work_is_refused(store: Store, lease: float, limit: int) -> None:
    with pytest.raises(ValueError):
        await store.claim_due("s", NOW, lease, limit)


async def test_a_closed_store_refuses_schedule_operations(store: Store) -> None:
    await store.close()
    with pytest.raises(StoreUnavailable):
        await store.schedule("s", "sid", NOW)
    with pytest.raises(StoreUnavailable):
        await store.claim_due("s", NOW, LEASE, 1)
    with pytest.raises(StoreUnavailable):
        await store.unschedule("s", "sid")


async def test_instances_sharing_a_store_claim_each_member_once(shared: Backend) -> None:
    stores = [shared.open() for _ in range(4)]
    members = {f"sid-{i}" for i in range(30)}
    for member in members:
        await stores[0].schedule("s", member, NOW)
    claims = await asyncio.gather(*(s.claim_due("s", NOW, LEASE, 2) for s in stores for _ in range(10)))
    claimed = [member for claim in claims for member in claim]
    assert sorted(claimed) == sorted(members)
    await stores[1].unschedule("s", "sid-0")
    assert "sid-0" not in await stores[2].claim_due("s", NOW + LEASE, LEASE, 100)


async def test_earliest_reads_members_in_order_without_moving_them(store: Store) -> None:
    for n in range(5):
        await store.schedule("s", f"sid-{n}", NOW - 10 + n)
    assert await store.earliest("s", 3) == ["sid-0", "sid-1", "sid-2"]
    assert await store.earliest("s", 3) == ["sid-0", "sid-1", "sid-2"]
    assert await store.claim_due("s", NOW, LEASE, 10) == [f"sid-{n}" for n in range(5)]


async def test_count_is_the_whole_schedule(store: Store) -> None:
    for n in range(250):
        await store.schedule("s", f"sid-{n}", NOW + n)
    await store.schedule("other", "x", NOW)
    await store.unschedule("s", "sid-0")
    assert await store.count("s") == 249
    assert await store.count("missing") == 0
