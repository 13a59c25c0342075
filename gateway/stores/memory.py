"""The in-process store: one worker's dictionaries, bounded by sweeping what has expired."""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass

from gateway.stores import bucket
from gateway.stores.base import ClosingStore, Subscribers, Subscription, Take, check_claim, check_ttl

_KV, _BUCKET = 0, 1
# Deadlines popped per write, so that a flood expiring at once never stalls the loop.
_SWEEP_BATCH = 1000


@dataclass(slots=True)
class _Entry:
    value: bytes
    expires: float | None


class MemoryStore(ClosingStore):
    """A Store for one process: dicts with a heap of deadlines swept on every write."""

    def __init__(self) -> None:
        self._kv: dict[str, _Entry] = {}
        self._buckets: dict[str, bucket.Bucket] = {}
        # (deadline, kind, key); stale rows are skipped when popped and compacted when many.
        self._deadlines: list[tuple[float, int, str]] = []
        self._schedules: dict[str, dict[str, float]] = {}  # key -> member -> due
        self._channels: Subscribers[_MemorySubscription] = Subscribers()
        self._closed = False

    def __len__(self) -> int:
        """Entries held: values and buckets, including expired ones not yet swept."""
        return len(self._kv) + len(self._buckets)

    async def take(self, key: str, capacity: int, period: float, cost: int = 1) -> Take:
        """Take tokens from the bucket `key`."""
        bucket.check_take(capacity, period, cost)
        now = self._write()
        state = self.bucket_at(key, capacity, period, now)
        return state.result(state.take(now, cost), cost)

    def bucket_at(self, key: str, capacity: int, period: float, now: float) -> bucket.Bucket:
        """The bucket `key`, made full when there is none (the caller takes from it in place, at `now`)."""
        state = self._buckets.get(key)
        if state is None:
            state = self._buckets[key] = bucket.Bucket(capacity, period, now)
            heapq.heappush(self._deadlines, (now + period, _BUCKET, key))
        elif state.capacity != capacity or state.rate != capacity / period:
            state.resize(capacity, period)  # another rate on the same key: the tokens carry over
        return state

    def take_in_place(self, key: str, capacity: int, period: float) -> tuple[bucket.Bucket, bool] | None:
        """Take one token from the bucket `key` in place: the bucket and whether it was allowed; None once
        closed. The hot path of a ThrottlingFilter on this store: no await and no result object per request."""
        if self._closed:
            return None
        now = time.monotonic()
        deadlines = self._deadlines
        # Nothing due, nothing to sweep: only writes that add rows (which run `_write`) grow the heap.
        if deadlines and deadlines[0][0] <= now:
            self._write()
        state = self._buckets.get(key)
        # The bucket as it is, in the common case, without a call to look it up.
        if state is None or state.capacity != capacity or state.rate != capacity / period:
            state = self.bucket_at(key, capacity, period, now)
        return state, state.take(now)

    async def get(self, key: str) -> bytes | None:
        """The value of `key`, or None."""
        self._check()
        entry = self._kv.get(key)
        if entry is None:
            return None
        if entry.expires is not None and entry.expires <= time.monotonic():
            del self._kv[key]
            return None
        return entry.value

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        """Store `value` under `key`."""
        check_ttl(ttl)
        self._put(key, value, ttl, self._write())

    async def add(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        """Store `value` unless `key` holds a live value."""
        check_ttl(ttl)
        now = self._write()
        entry = self._kv.get(key)
        if entry is not None and (entry.expires is None or entry.expires > now):
            return False
        self._put(key, value, ttl, now)
        return True

    async def delete(self, key: str) -> None:
        """Remove `key`."""
        self._check()
        self._kv.pop(key, None)

    async def schedule(self, key: str, member: str, due: float) -> None:
        """Put `member` on the schedule `key`, due at `due`."""
        self._check()
        self._schedules.setdefault(key, {})[member] = due

    async def claim_due(self, key: str, now: float, lease: float, limit: int) -> list[str]:
        """Members due by `now`, earliest first, each moved to `now + lease`."""
        check_claim(lease, limit)
        self._check()
        schedule = self._schedules.get(key, {})
        due = sorted((at, member) for member, at in schedule.items() if at <= now)[:limit]
        for _, member in due:
            schedule[member] = now + lease
        return [member for _, member in due]

    async def unschedule(self, key: str, member: str) -> None:
        """Take `member` off the schedule `key`."""
        self._check()
        schedule = self._schedules.get(key)
        if schedule is not None:
            schedule.pop(member, None)
            if not schedule:
                del self._schedules[key]

    async def earliest(self, key: str, limit: int) -> list[str]:
        """Up to `limit` members of the schedule `key`, earliest first."""
        self._check()
        schedule = self._schedules.get(key, {})
        return [member for _, member in sorted((at, member) for member, at in schedule.items())[:limit]]

    async def count(self, key: str) -> int:
        """How many members the schedule `key` holds."""
        self._check()
        return len(self._schedules.get(key, {}))

    async def lease(self, key: str, holder: bytes, ttl: float) -> bool:
        """Take or extend `key` for `holder`."""
        check_ttl(ttl)
        now = self._write()
        entry = self._kv.get(key)
        if entry is not None and entry.value != holder and (entry.expires is None or entry.expires > now):
            return False
        self._put(key, holder, ttl, now)
        return True

    async def release(self, key: str, holder: bytes) -> None:
        """Free `key` if `holder` has it."""
        if await self.get(key) == holder:
            self._kv.pop(key, None)

    async def publish(self, channel: str, message: bytes) -> None:
        """Deliver `message` to this process's subscribers of `channel`."""
        self._check()
        for subscription in self._channels.of(channel):
            subscription.deliver(message)

    def subscribe(self, channel: str) -> Subscription:
        """A subscription to `channel`."""
        return _MemorySubscription(self, channel)

    async def _shutdown(self) -> None:
        """End every subscription and drop all state."""
        self._channels.end_all()
        self._kv.clear()
        self._buckets.clear()
        self._deadlines.clear()
        self._schedules.clear()

    def _put(self, key: str, value: bytes, ttl: float | None, now: float) -> None:
        expires = None if ttl is None else now + ttl
        self._kv[key] = _Entry(value, expires)
        if expires is not None:
            heapq.heappush(self._deadlines, (expires, _KV, key))

    def _write(self) -> float:
        """The time now, after sweeping a batch of what expired before it."""
        self._check()
        now = time.monotonic()
        for _ in range(_SWEEP_BATCH):
            if not self._deadlines or self._deadlines[0][0] > now:
                break
            self._expire(*heapq.heappop(self._deadlines), now)
        if len(self._deadlines) > 2 * len(self) + 1024:
            self._compact()
        return now

    def _expire(self, deadline: float, kind: int, key: str, now: float) -> None:
        if kind == _KV:
            entry = self._kv.get(key)
            if entry is not None and entry.expires == deadline:
                del self._kv[key]
            return
        state = self._buckets.get(key)
        if state is None:
            return
        if state.full_at <= now:
            del self._buckets[key]  # a full bucket is the same as no bucket
        else:
            heapq.heappush(self._deadlines, (state.full_at, _BUCKET, key))

    def _compact(self) -> None:
        """Rebuild the deadlines from live entries, dropping those of overwritten values."""
        deadlines = [(e.expires, _KV, k) for k, e in self._kv.items() if e.expires is not None]
        deadlines += [(b.full_at, _BUCKET, k) for k, b in self._buckets.items()]
        heapq.heapify(deadlines)
        self._deadlines = deadlines


class _MemorySubscription(Subscription):
    def __init__(self, store: MemoryStore, channel: str) -> None:
        super().__init__(channel)
        self._store = store

    async def _open(self) -> None:
        self._store._check()
        self._store._channels.add(self)

    async def _close(self) -> None:
        self._store._channels.discard(self)
