"""The Redis store: state shared by every worker of every instance.

Socket timeouts are short and nothing is retried, so that a dead Redis fails fast and the caller
decides (for example a throttling filter's `onStoreError`).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from gateway.stores import bucket
from gateway.stores.base import ClosingStore, StoreUnavailable, Subscription, Take, check_claim, check_ttl
from gateway.stores.redis_lua import CLAIM_DUE, LEASE, RELEASE, TAKE
from gateway.stores.redis_pool import SentinelTarget, close_sentinels, primary_moved, sentinel_pool, url_pool

log = logging.getLogger(__name__)
_BACKOFF_FIRST, _BACKOFF_MAX = 0.05, 2.0
# How often an idle subscription checks, under Sentinel, that it still listens to the primary.
_PRIMARY_CHECK = 1.0


@contextmanager
def _unavailable(what: str) -> Iterator[None]:
    """Turn any failure talking to Redis into StoreUnavailable."""
    try:
        yield
    except (RedisError, OSError) as exc:
        raise StoreUnavailable(f"redis {what} failed: {exc}") from exc


class RedisStore(ClosingStore):
    """A Store in Redis; keys are `<prefix>kv:<key>`, `<prefix>tb:<key>` and `<prefix>zs:<key>` (schedules)."""

    def __init__(
        self,
        url: str | None = None,
        *,
        sentinel: SentinelTarget | None = None,
        prefix: str = "gateway:",
        timeout: float = 0.5,
        max_connections: int = 64,
    ) -> None:
        self.prefix = prefix
        if sentinel is not None:
            pool = sentinel_pool(sentinel, timeout, max_connections)
        elif url is not None:
            pool = url_pool(url, timeout, max_connections)
        else:
            raise ValueError("a Redis store needs a url or a sentinel")
        self._client = Redis.from_pool(pool)
        self._take = self._client.register_script(TAKE)
        self._claim_due = self._client.register_script(CLAIM_DUE)
        self._lease = self._client.register_script(LEASE)
        self._release = self._client.register_script(RELEASE)
        self._subscriptions: set[_RedisSubscription] = set()
        self._closed = False

    async def take(self, key: str, capacity: int, period: float, cost: int = 1) -> Take:
        """Take tokens from the bucket `key`, atomically on the server."""
        bucket.check_take(capacity, period, cost)
        self._check()
        with _unavailable("take"):
            allowed, remaining, retry_after, reset = await self._take(
                keys=[f"{self.prefix}tb:{key}"], args=[capacity, repr(float(period)), cost]
            )
        return Take(allowed == 1, int(remaining), float(retry_after), float(reset))

    async def get(self, key: str) -> bytes | None:
        """The value of `key`, or None."""
        self._check()
        with _unavailable("get"):
            value = await self._client.get(self._kv(key))
        return cast("bytes | None", value)  # responses are not decoded

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        """Store `value` under `key`."""
        check_ttl(ttl)
        self._check()
        with _unavailable("set"):
            await self._client.set(self._kv(key), value, px=_millis(ttl))

    async def add(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        """Store `value` unless `key` holds a live value (SET NX)."""
        check_ttl(ttl)
        self._check()
        with _unavailable("add"):
            stored = await self._client.set(self._kv(key), value, px=_millis(ttl), nx=True)
        return bool(stored)

    async def delete(self, key: str) -> None:
        """Remove `key`."""
        self._check()
        with _unavailable("delete"):
            await self._client.delete(self._kv(key))

    async def schedule(self, key: str, member: str, due: float) -> None:
        """Put `member` on the schedule `key`, due at `due` (ZADD)."""
        self._check()
        with _unavailable("schedule"):
            await self._client.zadd(self._zs(key), {member: due})

    async def claim_due(self, key: str, now: float, lease: float, limit: int) -> list[str]:
        """Members due by `now`, earliest first, each moved to `now + lease`, atomically on the server."""
        check_claim(lease, limit)
        self._check()
        with _unavailable("claim_due"):
            members = await self._claim_due(
                keys=[self._zs(key)], args=[repr(float(now)), repr(float(now + lease)), limit]
            )
        return [m.decode() if isinstance(m, bytes) else str(m) for m in members]

    async def unschedule(self, key: str, member: str) -> None:
        """Take `member` off the schedule `key` (ZREM)."""
        self._check()
        with _unavailable("unschedule"):
            await self._client.zrem(self._zs(key), member)

    async def earliest(self, key: str, limit: int) -> list[str]:
        """Up to `limit` members of the schedule `key`, earliest first (ZRANGE)."""
        self._check()
        with _unavailable("earliest"):
            members = await self._client.zrange(self._zs(key), 0, limit - 1)
        return [m.decode() if isinstance(m, bytes) else str(m) for m in members]

    async def count(self, key: str) -> int:
        """How many members the schedule `key` holds (ZCARD)."""
        self._check()
        with _unavailable("count"):
            return int(await self._client.zcard(self._zs(key)))

    async def lease(self, key: str, holder: bytes, ttl: float) -> bool:
        """Take or extend `key` for `holder`, atomically on the server."""
        check_ttl(ttl)
        self._check()
        with _unavailable("lease"):
            return bool(await self._lease(keys=[self._kv(key)], args=[holder, max(1, math.ceil(ttl * 1000))]))

    async def release(self, key: str, holder: bytes) -> None:
        """Free `key` if `holder` has it, atomically on the server."""
        self._check()
        with _unavailable("release"):
            await self._release(keys=[self._kv(key)], args=[holder])

    async def publish(self, channel: str, message: bytes) -> None:
        """Send `message` to every subscriber of `channel` on this Redis."""
        self._check()
        with _unavailable("publish"):
            await self._client.publish(self.prefix + channel, message)

    def subscribe(self, channel: str) -> Subscription:
        """A subscription to `channel`; it reconnects by itself once started."""
        return _RedisSubscription(self, channel)

    async def _shutdown(self) -> None:
        """End subscriptions and close the connection pool."""
        for subscription in list(self._subscriptions):
            await subscription.aclose()
        await self._client.aclose()
        await close_sentinels(self._client.connection_pool)

    def _kv(self, key: str) -> str:
        return f"{self.prefix}kv:{key}"

    def _zs(self, key: str) -> str:
        return f"{self.prefix}zs:{key}"

    async def _pubsub(self, channel: str) -> PubSub:
        """A connection subscribed to `channel`."""
        self._check()
        pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        try:
            with _unavailable("subscribe"):
                await pubsub.subscribe(self.prefix + channel)
        except BaseException:
            await pubsub.aclose()
            raise
        return pubsub


def _millis(ttl: float | None) -> int | None:
    return None if ttl is None else max(1, math.ceil(ttl * 1000))


class _RedisSubscription(Subscription):
    """Reads its own connection; when it breaks, subscribes again with backoff and goes on."""

    def __init__(self, store: RedisStore, channel: str) -> None:
        super().__init__(channel)
        self._store = store
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None

    @property
    def connected(self) -> bool:
        """False from the moment the connection is found broken until it is subscribed again."""
        return self._pubsub is not None

    async def _open(self) -> None:
        self._pubsub = await self._store._pubsub(self.channel)
        self._store._subscriptions.add(self)
        self._reader = asyncio.create_task(self._read())

    async def _close(self) -> None:
        self._store._subscriptions.discard(self)
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.wait([self._reader])
        await self._drop()

    async def _read(self) -> None:
        while True:
            try:
                assert self._pubsub is not None
                message: dict[str, Any] | None = await self._pubsub.get_message(timeout=_PRIMARY_CHECK)
                if message is None and await self._moved():
                    log.warning("redis subscription to %r: the primary moved, subscribing there", self.channel)
                    await self._reconnect()
                    continue
            except (RedisError, OSError) as exc:
                log.warning("redis subscription to %r lost, reconnecting: %s", self.channel, exc)
                await self._reconnect()
                continue
            if message is not None and message["type"] == "message":
                self.deliver(message["data"])

    async def _moved(self) -> bool:
        """Whether Sentinel names another primary than the one this subscription listens to."""
        assert self._pubsub is not None
        connection = self._pubsub.connection
        address = (connection.host, connection.port) if connection is not None else None
        return await primary_moved(self._store._client.connection_pool, address)

    async def _reconnect(self) -> None:
        """Subscribe again on a new connection, backing off until Redis answers."""
        delay = _BACKOFF_FIRST
        await self._drop()
        while True:
            await asyncio.sleep(delay)
            try:
                self._pubsub = await self._store._pubsub(self.channel)
                self.restores += 1
                log.info("redis subscription to %r restored", self.channel)
                return
            except StoreUnavailable:
                delay = min(delay * 2, _BACKOFF_MAX)

    async def _drop(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            try:
                await pubsub.aclose()
            except (RedisError, OSError) as exc:
                log.debug("closing a broken redis subscription: %s", exc)
