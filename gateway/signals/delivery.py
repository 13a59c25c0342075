"""Push delivery of each stream's outbox (RFC 8935), in order, by one process per stream at a time.

It runs in the signals process (`signals/process.py`), not on the serving workers. Each push stream
has its own task, so a slow or dead receiver holds back only its own stream. The process that holds
the stream's lease in the shared store delivers it; others (another instance's, or a restarted one)
wait to take over when it dies. Each SET is signed from its claims as it leaves. A retryable failure
stops the stream at that SET (per-receiver order) and retries it with exponential backoff and
jitter, or after `Retry-After`, until `retryFor` has passed since the SET was made; then the SET is
parked as failed, as a 400 is at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from gateway.signals.failures import FailedDeliveries
from gateway.signals.following import cancel_all
from gateway.signals.outbox import Outbox, Pending
from gateway.signals.push import Outcome, backoff, push
from gateway.signals.relay import MetricsRelay
from gateway.signals.signing import SetSigning
from gateway.signals_settings import SignalsSettings, StreamSettings
from gateway.stores.base import StoreUnavailable

log = logging.getLogger("gateway.signals")
LEASE = 10.0
BATCH = 100


@dataclass(eq=False)
class Pusher:
    """Delivers one push stream while this process holds the stream's lease."""

    stream_id: str
    lookup: Callable[[str], StreamSettings | None]
    outbox: Outbox
    failures: FailedDeliveries
    http: aiohttp.ClientSession
    settings: SignalsSettings
    metrics: MetricsRelay
    signing: SetSigning
    # Who holds the lease: the signals process's keeper names it, so that the process it starts
    # after a `kill -9` goes on with the dead one's leases at once instead of waiting them out.
    holder: bytes = field(default_factory=lambda: secrets.token_hex(8).encode())
    wake: asyncio.Event = field(default_factory=asyncio.Event, init=False)
    _attempt: int = field(default=0, init=False)
    _renew_at: float = field(default=0.0, init=False)

    @property
    def _key(self) -> str:
        return f"signals:owner:{self.stream_id}"

    async def run(self) -> None:
        """Deliver until cancelled; store failures are logged and retried."""
        while True:
            try:
                await self._round()
            except StoreUnavailable as exc:
                log.warning("stream %s: store unavailable: %s", self.stream_id, exc)
                await asyncio.sleep(1.0)

    async def _round(self) -> None:
        stream = self.lookup(self.stream_id)
        if stream is None or stream.status != "enabled" or not stream.endpoint or not await self._own():
            await self._wait(LEASE / 3)
            return
        items = await self.outbox.peek(self.stream_id, BATCH)
        self.metrics.depth.labels(self.stream_id).set(await self.outbox.depth(self.stream_id))
        if not items:
            await self._wait(LEASE / 3)
            return
        for item in items:
            if not await self._deliver(stream, item):
                return
            # Lost the lease (this worker stalled longer than it): the new holder goes on from here.
            if time.monotonic() > self._renew_at and not await self._own():
                return

    async def _deliver(self, stream: StreamSettings, item: Pending) -> bool:
        """Push one SET; False when the stream must wait before going on."""
        token = self.signing.token(stream, item)
        outcome = await push(self.http, str(stream.endpoint), token, stream.token, self.settings.pushTimeout)
        if outcome.result == "delivered":
            self.metrics.lag.labels(self.stream_id).observe(max(0.0, time.time() - item.made))
        elif outcome.result == "retry" and time.time() - item.made < self.settings.retryFor:
            self.metrics.deliveries.labels(self.stream_id, "retry").inc()
            await self._retry_later(item, outcome)
            return False
        else:
            await self._park(item, outcome)
        self.metrics.deliveries.labels(self.stream_id, outcome.result).inc()
        self._attempt = 0
        await self.outbox.remove(self.stream_id, item.seq)
        return True

    async def _retry_later(self, item: Pending, outcome: Outcome) -> None:
        delay = backoff(self._attempt, self.settings.backoff, self.settings.maxBackoff)
        if outcome.retry_after is not None:
            delay = min(max(outcome.retry_after, 0.0), self.settings.retryFor)
        self._attempt += 1
        log.info("stream %s: SET %s not delivered (%s); retry in %.1f s", self.stream_id, item.jti,
                 outcome.description, delay)  # fmt: skip
        deadline = time.monotonic() + delay
        while (left := deadline - time.monotonic()) > 0:
            await asyncio.sleep(min(left, LEASE / 3))
            if not await self._own():
                return

    async def _park(self, item: Pending, outcome: Outcome) -> None:
        err = outcome.err if outcome.result == "rejected" else "retries_exhausted"
        log.warning("stream %s: SET %s failed for good: %s %s", self.stream_id, item.jti, err, outcome.description)
        await self.failures.add(self.stream_id, item.jti, err, outcome.description, item.made)
        self.metrics.deliveries.labels(self.stream_id, "parked").inc()

    async def _own(self) -> bool:
        """Take or keep the stream's lease (atomically in the store: one holder at a time)."""
        mine = bool(await self.outbox.store.lease(self._key, self.holder, LEASE))
        if mine:
            self._renew_at = time.monotonic() + LEASE / 3
        return mine

    async def release(self) -> None:
        """Give up the stream's lease (at shutdown), so that a restarted process takes over at once."""
        with contextlib.suppress(StoreUnavailable):
            await self.outbox.store.release(self._key, self.holder)

    async def _wait(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wake.wait(), timeout)
        self.wake.clear()


class Deliveries:
    """One Pusher task per push stream, started and stopped as streams come and go."""

    def __init__(self, make: Callable[[str], Pusher]) -> None:
        self._make = make
        self._running: dict[str, tuple[Pusher, asyncio.Task[Any]]] = {}
        self._stopped = False

    def sync(self, stream_ids: set[str]) -> None:
        """Run a pusher for exactly these streams (none once stopped)."""
        if self._stopped:
            return
        for gone in set(self._running) - stream_ids:
            self._running.pop(gone)[1].cancel()
        for new in stream_ids - set(self._running):
            pusher = self._make(new)
            self._running[new] = (pusher, asyncio.create_task(pusher.run(), name=f"signals-push-{new}"))

    def wake(self, stream_id: str) -> None:
        """New SETs for `stream_id`: its pusher looks now."""
        running = self._running.get(stream_id)
        if running is not None:
            running[0].wake.set()

    async def stop(self) -> None:
        """Cancel every pusher and wait for them; later syncs start none."""
        self._stopped = True
        running = list(self._running.values())
        self._running.clear()
        await cancel_all([task for _, task in running])
        for pusher, _ in running:
            await pusher.release()
