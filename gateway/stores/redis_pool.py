"""Connection pools for the Redis store: one server by URL, or the primary that Redis Sentinel names.

With Sentinel, every new connection asks the sentinels where the primary is; a connection still
open to a primary that was demoted gets READONLY, which redis-py turns into a connection error
that empties the pool, so the next command goes to the new primary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redis.asyncio import BlockingConnectionPool, ConnectionPool
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool
from redis.backoff import NoBackoff


@dataclass(frozen=True)
class SentinelTarget:
    """Where the sentinels are, which service (primary) they watch, and how to log in."""

    service: str
    addresses: tuple[tuple[str, int], ...]
    db: int = 0
    password: str | None = None
    sentinel_password: str | None = None


class _BlockingSentinelPool(SentinelConnectionPool, BlockingConnectionPool):
    """A Sentinel pool that, like the URL pool, waits for a free connection instead of failing."""


def _options(timeout: float, max_connections: int) -> dict[str, Any]:
    # Bounded, so that a burst waits for a connection (at most `timeout`) instead of opening
    # thousands; nothing is retried, so that a dead Redis fails fast and the caller decides.
    return {
        "max_connections": max_connections,
        "timeout": timeout,
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "socket_keepalive": True,
        "retry": Retry(NoBackoff(), 0),
    }


def url_pool(url: str, timeout: float, max_connections: int) -> ConnectionPool:
    """A pool of connections to the server at `url`."""
    return BlockingConnectionPool.from_url(url, **_options(timeout, max_connections))


def sentinel_pool(target: SentinelTarget, timeout: float, max_connections: int) -> ConnectionPool:
    """A pool of connections to the primary of `target.service`, followed across failovers."""
    asking = {"socket_timeout": timeout, "socket_connect_timeout": timeout, "password": target.sentinel_password}
    sentinels = Sentinel(list(target.addresses), sentinel_kwargs=asking)
    options = _options(timeout, max_connections) | {"db": target.db, "password": target.password}
    return _BlockingSentinelPool(target.service, sentinels, is_master=True, **options)  # type: ignore[no-untyped-call]


async def close_sentinels(pool: ConnectionPool) -> None:
    """Close the connections a Sentinel pool keeps to the sentinels (the pool's own close leaves them)."""
    if isinstance(pool, SentinelConnectionPool):
        for sentinel in pool.sentinel_manager.sentinels:
            await sentinel.aclose()


async def primary_moved(pool: ConnectionPool, address: tuple[str, int] | None) -> bool:
    """Whether Sentinel now names a primary other than `address` (a connection's host and port).

    Asking also closes the pool's idle connections to a former primary: one that was demoted, or
    cut off and not yet told, would otherwise keep taking writes that the failover discards."""
    if not isinstance(pool, SentinelConnectionPool) or address is None:
        return False
    primary: tuple[str, int] = await pool.get_master_address()  # type: ignore[no-untyped-call]
    return primary != address
