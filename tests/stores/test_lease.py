"""Leases on every backend: one holder at a time, extended only by its holder, freed only by it."""

from __future__ import annotations

import asyncio

from gateway.stores import Store
from tests.stores.conftest import Backend
from tests.stores.polling import eventually


async def test_a_free_lease_is_taken_and_extended_only_by_its_holder(store: Store) -> None:
    assert await store.lease("owner", b"a", 60)
    assert await store.lease("owner", b"a", 60)
    assert not await store.lease("owner", b"b", 60)
    assert await store.get("owner") == b"a"


async def test_an_expired_lease_goes_to_the_next_caller(store: Store) -> None:
    assert await store.lease("owner", b"a", 0.05)

    async def taken() -> bool:
        return await store.lease("owner", b"b", 60)

    await eventually(taken, "the lease to expire and go to b")
    assert not await store.lease("owner", b"a", 60)


async def test_release_frees_only_the_holders_lease(store: Store) -> None:
    assert await store.lease("owner", b"a", 60)
    await store.release("owner", b"b")
    assert await store.get("owner") == b"a"
    await store.release("owner", b"a")
    assert await store.lease("owner", b"b", 60)


async def test_racing_callers_in_two_processes_get_one_holder(shared: Backend) -> None:
    first, second = shared.open(), shared.open()
    takes = [(first if n % 2 else second).lease("owner", f"h{n}".encode(), 60) for n in range(20)]
    won = [n for n, ok in enumerate(await asyncio.gather(*takes)) if ok]
    assert len(won) == 1
    assert await first.get("owner") == f"h{won[0]}".encode()
