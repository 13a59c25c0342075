"""A short lock in the shared store, for read-modify-write of small shared documents."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from gateway.stores.base import StoreUnavailable

LOCK_TTL = 5.0
_PAUSE = 0.02


@asynccontextmanager
async def store_lock(store: Any, key: str, ttl: float = LOCK_TTL) -> AsyncIterator[None]:
    """Hold `key` in the store (an `add` with a TTL, so a crashed holder frees it by itself)."""
    deadline = time.monotonic() + ttl + 1.0
    while not await store.add(key, secrets.token_bytes(8), ttl=ttl):
        if time.monotonic() > deadline:
            raise StoreUnavailable(f"lock {key!r} stayed busy")
        await asyncio.sleep(_PAUSE)
    try:
        yield
    finally:
        # The work inside is a get and a set, far shorter than the TTL, so the key is still ours.
        await store.delete(key)
