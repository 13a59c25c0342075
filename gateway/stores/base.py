"""The shared-state interface: key/values with expiry, token buckets, schedules and pub/sub."""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass
from types import TracebackType
from typing import Generic, Protocol, Self, TypeVar

log = logging.getLogger(__name__)


class StoreUnavailable(Exception):
    """The backend could not be reached or failed; the cause is chained."""


@dataclass(frozen=True, slots=True)
class Take:
    """The answer of a token bucket: allowed or not, and when to come back (seconds)."""

    allowed: bool
    remaining: int
    # Seconds until this request's cost is available again (0 when allowed).
    retry_after: float
    # Seconds until the bucket is full again.
    reset: float


def check_ttl(ttl: float | None) -> None:
    """Refuse a ttl that is not a positive number of seconds."""
    if ttl is not None and not ttl > 0:
        raise ValueError(f"ttl must be a positive number of seconds or None, not {ttl!r}")


def check_claim(lease: float, limit: int) -> None:
    """Refuse a claim that could never answer sensibly."""
    if not lease > 0:
        raise ValueError(f"lease must be a positive number of seconds, not {lease!r}")
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")


class Subscription(AsyncIterator[bytes], ABC):
    """Messages on one channel, published from the moment `start()` (or `async with`) returns.

    Iterating also starts it, but then messages published before the first `__anext__` may be
    missed. A subscriber that does not keep up loses the newest messages beyond `limit`.
    """

    def __init__(self, channel: str, limit: int = 10_000) -> None:
        self.channel = channel
        self.dropped = 0
        self._limit = limit
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._started = False
        self._ended = False
        # Bumped by a backend each time a lost connection is restored: messages may have been missed.
        self.restores = 0

    @property
    def connected(self) -> bool:
        """Whether messages published now reach this subscriber (a local backend always does)."""
        return True

    async def start(self) -> None:
        """Subscribe now; raises StoreUnavailable when the backend cannot be reached."""
        if not self._started:
            self._started = True
            await self._open()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def __anext__(self) -> bytes:
        await self.start()
        message = await self._queue.get()
        if message is None:
            self._queue.put_nowait(None)  # every later call ends too
            raise StopAsyncIteration
        return message

    def deliver(self, message: bytes) -> None:
        """Queue one message for the iterator (called by the backend)."""
        if self._ended:
            return
        if self._queue.qsize() >= self._limit:
            self.dropped += 1
            if self.dropped == 1:
                log.warning("subscriber on %r is not keeping up; dropping messages", self.channel)
            return
        self._queue.put_nowait(message)

    def end(self) -> None:
        """End the iteration once the queued messages are read (called by the backend)."""
        if not self._ended:
            self._ended = True
            self._queue.put_nowait(None)

    async def aclose(self) -> None:
        """Unsubscribe and end the iteration."""
        if not self._ended:
            self.end()
            if self._started:
                await self._close()

    @abstractmethod
    async def _open(self) -> None: ...

    @abstractmethod
    async def _close(self) -> None: ...


S = TypeVar("S", bound=Subscription)


class Subscribers(Generic[S]):
    """A local store's subscriptions in this process, by channel."""

    def __init__(self) -> None:
        self._by_channel: dict[str, set[S]] = {}

    def __bool__(self) -> bool:
        return bool(self._by_channel)

    def add(self, subscription: S) -> None:
        """Deliver the channel's messages to `subscription` from now on."""
        self._by_channel.setdefault(subscription.channel, set()).add(subscription)

    def discard(self, subscription: S) -> None:
        """Forget `subscription`, and its channel with the last one."""
        subscribers = self._by_channel.get(subscription.channel)
        if subscribers is not None:
            subscribers.discard(subscription)
            if not subscribers:
                del self._by_channel[subscription.channel]

    def of(self, channel: str) -> list[S]:
        """The subscriptions of `channel`, copied so that one may end while they are served."""
        return list(self._by_channel.get(channel, ()))

    def end_all(self) -> None:
        """End every subscription and forget them all."""
        for subscriptions in list(self._by_channel.values()):
            for subscription in list(subscriptions):
                subscription.end()
        self._by_channel.clear()


class ClosingStore(ABC):
    """How every store ends: `close` shuts it down once, and any later use fails as unavailable."""

    _closed: bool

    async def close(self) -> None:
        """Shut the store down; a second call does nothing."""
        if self._closed:
            return
        self._closed = True
        await self._shutdown()

    def _check(self) -> None:
        if self._closed:
            raise StoreUnavailable("the store is closed")

    @abstractmethod
    async def _shutdown(self) -> None:
        """Release what the store holds (called once, by `close`)."""


class Store(Protocol):
    """State shared by the gateway's workers (and instances, with Redis)."""

    async def take(self, key: str, capacity: int, period: float, cost: int = 1) -> Take:
        """Take `cost` tokens from a bucket of `capacity` refilled at capacity/period per second."""
        ...

    async def get(self, key: str) -> bytes | None:
        """The value of `key`, or None when absent or expired."""
        ...

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        """Store `value`, expiring after `ttl` seconds (never when None)."""
        ...

    async def add(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        """Store `value` only if `key` is absent; True when this call stored it."""
        ...

    async def delete(self, key: str) -> None:
        """Remove `key` (absent is fine)."""
        ...

    async def schedule(self, key: str, member: str, due: float) -> None:
        """Put `member` on the schedule `key`, due at `due` (epoch seconds; replaces an earlier time)."""
        ...

    async def claim_due(self, key: str, now: float, lease: float, limit: int) -> list[str]:
        """Up to `limit` members due by `now`, earliest first; each is due again at `now + lease`, atomically."""
        ...

    async def unschedule(self, key: str, member: str) -> None:
        """Take `member` off the schedule `key` (absent is fine)."""
        ...

    async def earliest(self, key: str, limit: int) -> list[str]:
        """Up to `limit` members of the schedule `key`, earliest due first, left as they are."""
        ...

    async def count(self, key: str) -> int:
        """How many members the schedule `key` holds."""
        ...

    async def lease(self, key: str, holder: bytes, ttl: float) -> bool:
        """Take `key` for `holder` when it is free, or extend it when `holder` has it; atomically."""
        ...

    async def release(self, key: str, holder: bytes) -> None:
        """Free `key` if `holder` has it (compare and delete, atomically)."""
        ...

    async def publish(self, channel: str, message: bytes) -> None:
        """Send `message` to every subscriber of `channel`, in any process sharing the store."""
        ...

    def subscribe(self, channel: str) -> Subscription:
        """A subscription to `channel`; use `async with` so that no message is missed."""
        ...

    async def close(self) -> None:
        """Release connections and end subscriptions; later calls raise StoreUnavailable."""
        ...
