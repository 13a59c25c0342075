"""Every store backend behind one fixture, so that one suite proves them all alike."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gateway.stores import MemoryStore, RedisStore, SqliteStore, Store
from tests.support.redis_server import RedisServer, redis_server

__all__ = ["Backend", "redis_server"]


@dataclass
class Backend:
    """A backend under test; `open()` gives another instance, as another process would have."""

    name: str
    factory: Callable[[], Store]
    opened: list[Store] = field(default_factory=list)
    server: RedisServer | None = None

    def open(self) -> Store:
        """A new store instance on this backend's state (memory: a separate process's own)."""
        store = self.factory()
        self.opened.append(store)
        return store

    async def close(self) -> None:
        """Close every instance opened by the test."""
        for store in self.opened:
            await store.close()


def _backend(name: str, request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if name == "memory":
        return Backend(name, MemoryStore)
    if name == "sqlite":
        path = tmp_path / "state" / "gateway.db"
        return Backend(name, lambda: SqliteStore(path, poll_interval=0.05))
    server: RedisServer = request.getfixturevalue("redis_server")
    prefix = f"test-{request.node.name}:"
    # A generous timeout: these tests are about behaviour, not about failing fast on a busy CI.
    return Backend(name, lambda: RedisStore(server.url, prefix=prefix, timeout=5.0), server=server)


@pytest.fixture(params=["memory", "sqlite", "redis"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    """Each backend in turn; Redis is a real redis-server."""
    result = _backend(request.param, request, tmp_path)
    yield result
    await result.close()


@pytest.fixture(params=["sqlite", "redis"])
async def shared(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    """The backends whose state is shared by several processes."""
    result = _backend(request.param, request, tmp_path)
    yield result
    await result.close()


@pytest.fixture
def store(backend: Backend) -> Store:
    """One store instance of each backend."""
    return backend.open()
