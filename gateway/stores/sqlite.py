"""The embedded store: a SQLite file in WAL mode shared by the worker processes of one machine.

Each store runs its statements on one thread of its own, so the event loop never blocks on disk.
Pub/sub is an append-only `events` table that every process polls by id.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import TypeVar

from gateway.stores import bucket, sqlite_db
from gateway.stores.base import ClosingStore, StoreUnavailable, Subscribers, Subscription, Take, check_claim, check_ttl

log = logging.getLogger(__name__)
T = TypeVar("T")
_POLL_BATCH = 500


class SqliteStore(ClosingStore):
    """A Store in a SQLite file; values, buckets and messages are shared through the file."""

    def __init__(
        self,
        path: str | Path,
        *,
        poll_interval: float = 0.2,
        retention: float = 60.0,
        sweep_interval: float = 30.0,
        busy_timeout: float = 5.0,
    ) -> None:
        self.path = Path(path)
        self.poll_interval = poll_interval
        self.retention = retention
        self.sweep_interval = sweep_interval
        self._busy_timeout = busy_timeout
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="gateway-store")
        self._db: sqlite3.Connection | None = None  # used only on the executor's thread
        self._next_sweep = 0.0
        self._subscribers: Subscribers[_SqliteSubscription] = Subscribers()
        self._poller: asyncio.Task[None] | None = None
        self._closed = False

    async def take(self, key: str, capacity: int, period: float, cost: int = 1) -> Take:
        """Take tokens from the bucket `key`, atomically across processes."""
        bucket.check_take(capacity, period, cost)
        return await self._write(partial(sqlite_db.take, key=key, capacity=capacity, period=period, cost=cost))

    async def get(self, key: str) -> bytes | None:
        """The value of `key`, or None."""
        return await self._run(partial(sqlite_db.get, key=key))

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        """Store `value` under `key`."""
        check_ttl(ttl)
        await self._write(partial(sqlite_db.put, key=key, value=value, ttl=ttl))

    async def add(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        """Store `value` unless `key` holds a live value; atomic across processes."""
        check_ttl(ttl)
        return await self._write(partial(sqlite_db.add, key=key, value=value, ttl=ttl))

    async def delete(self, key: str) -> None:
        """Remove `key`."""
        await self._run(partial(sqlite_db.delete, key=key))

    async def schedule(self, key: str, member: str, due: float) -> None:
        """Put `member` on the schedule `key`, due at `due`."""
        await self._write(partial(sqlite_db.schedule, key=key, member=member, due=due))

    async def claim_due(self, key: str, now: float, lease: float, limit: int) -> list[str]:
        """Members due by `now`, earliest first, each moved to `now + lease`; atomic across processes."""
        check_claim(lease, limit)
        return await self._write(partial(sqlite_db.claim_due, key=key, now=now, lease=lease, limit=limit))

    async def unschedule(self, key: str, member: str) -> None:
        """Take `member` off the schedule `key`."""
        await self._run(partial(sqlite_db.unschedule, key=key, member=member))

    async def earliest(self, key: str, limit: int) -> list[str]:
        """Up to `limit` members of the schedule `key`, earliest first."""
        return await self._run(partial(sqlite_db.earliest, key=key, limit=limit))

    async def count(self, key: str) -> int:
        """How many members the schedule `key` holds."""
        return await self._run(partial(sqlite_db.count, key=key))

    async def lease(self, key: str, holder: bytes, ttl: float) -> bool:
        """Take or extend `key` for `holder`; one statement, so atomic across processes."""
        check_ttl(ttl)
        return await self._write(partial(sqlite_db.lease, key=key, holder=holder, ttl=ttl))

    async def release(self, key: str, holder: bytes) -> None:
        """Free `key` if `holder` has it."""
        await self._run(partial(sqlite_db.release, key=key, holder=holder))

    async def publish(self, channel: str, message: bytes) -> None:
        """Append `message`; pollers in every process deliver it within about poll_interval."""
        await self._write(partial(sqlite_db.publish, channel=channel, message=message))

    def subscribe(self, channel: str) -> Subscription:
        """A subscription to `channel`."""
        return _SqliteSubscription(self, channel)

    async def _shutdown(self) -> None:
        """Stop polling, end subscriptions and close the file."""
        self._subscribers.end_all()
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.wait([self._poller])
        await asyncio.get_running_loop().run_in_executor(self._executor, self._disconnect)
        self._executor.shutdown(wait=False)

    async def _run(self, job: Callable[[sqlite3.Connection], T]) -> T:
        """Run `job` with the connection on the store's thread; failures are StoreUnavailable."""
        self._check()
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, self._call, job)
        except (sqlite3.Error, OSError) as exc:
            raise StoreUnavailable(f"embedded store {self.path}: {exc}") from exc

    async def _write(self, job: Callable[[sqlite3.Connection], T]) -> T:
        """Run a writing `job`, sweeping expired rows first when a sweep is due."""
        return await self._run(partial(self._swept, job))

    def _swept(self, job: Callable[[sqlite3.Connection], T], db: sqlite3.Connection) -> T:
        now = time.time()
        if now >= self._next_sweep:
            self._next_sweep = now + self.sweep_interval
            sqlite_db.sweep(db, self.retention)
        return job(db)

    def _call(self, job: Callable[[sqlite3.Connection], T]) -> T:
        if self._db is None:
            self._db = sqlite_db.connect(self.path, self._busy_timeout)
        return job(self._db)

    def _disconnect(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _register(self, subscription: _SqliteSubscription) -> None:
        self._subscribers.add(subscription)
        if self._poller is None or self._poller.done():
            self._poller = asyncio.create_task(self._poll(subscription.after))

    def _unregister(self, subscription: _SqliteSubscription) -> None:
        self._subscribers.discard(subscription)

    async def _poll(self, after: int) -> None:
        """Deliver new events to this process's subscribers until none is left."""
        while self._subscribers:
            try:
                events = await self._run(partial(sqlite_db.events_after, after=after, limit=_POLL_BATCH))
            except StoreUnavailable as exc:
                log.warning("polling store events failed, retrying: %s", exc)
                events = []
            for event_id, channel, message in events:
                for subscription in self._subscribers.of(channel):
                    subscription.deliver_after(event_id, message)
                after = event_id
            if len(events) < _POLL_BATCH:
                await asyncio.sleep(self.poll_interval)


class _SqliteSubscription(Subscription):
    def __init__(self, store: SqliteStore, channel: str) -> None:
        super().__init__(channel)
        self._store = store
        self.after = 0  # the newest event when subscribing; only later ones are delivered

    def deliver_after(self, event_id: int, message: bytes) -> None:
        if event_id > self.after:
            self.deliver(message)

    async def _open(self) -> None:
        self.after = await self._store._run(sqlite_db.last_event)
        self._store._register(self)

    async def _close(self) -> None:
        self._store._unregister(self)
