"""The delivery side of signals: a pusher per push stream, signing each SET from its outbox claims.

It runs in the signals process (`signals/process.py`), so that delivery — HTTP posts, signatures,
lease renewals, outbox reads and deletes — takes no CPU on a serving worker's event loop. It
follows the store's wake channel (new SETs) and stream changes (the management API), as every
process does, and notes its metrics for the serving process to record (`relay.py`).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

from gateway.oauth.set import SetSigner
from gateway.signals.delivery import Deliveries, Pusher
from gateway.signals.failures import FailedDeliveries
from gateway.signals.following import cancel_all, follow
from gateway.signals.keys import signing_key
from gateway.signals.outbox import WAKE_CHANNEL, Outbox
from gateway.signals.relay import MetricsRelay, Note
from gateway.signals.signing import SetSigning
from gateway.signals.streams import CHANGED, Streams
from gateway.signals.wrapping import encryption_keys
from gateway.signals_settings import SignalsSettings, StreamSettings

# Seconds between two batches of metric notes sent to the serving process.
FLUSH_EVERY = 0.1


class Courier:
    """Delivers every push stream whose lease this process holds, until stopped."""

    def __init__(
        self,
        store: Any,
        config: SignalsSettings,
        configured: list[StreamSettings],
        http: aiohttp.ClientSession,
        state: str | Path,
        flush: Callable[[list[Note]], None],
        holder: str | None = None,
    ) -> None:
        self.store, self.config, self.http, self.flush = store, config, http, flush
        self.holder = (holder or secrets.token_hex(8)).encode()
        self.streams = Streams(store, configured)
        self.outbox = Outbox(store)
        self.failures = FailedDeliveries(store)
        self.metrics = MetricsRelay()
        key = signing_key(config.pemPath, config.pemValue, state)
        self.signing = SetSigning(SetSigner(str(config.issuer), key))
        self.deliveries = Deliveries(self._pusher)
        self._tasks: list[asyncio.Task[Any]] = []

    def _pusher(self, stream_id: str) -> Pusher:
        return Pusher(stream_id, self.streams.get, self.outbox, self.failures, self.http, self.config,
                      self.metrics, self.signing, self.holder)  # fmt: skip

    async def start(self) -> None:
        """Load the streams and their receivers' keys, start the pushers, follow wakes and changes."""
        await self.streams.load()
        keys = await encryption_keys(self.http, self.streams.all())
        self.signing.encryption = lambda stream: keys.get(stream.id)
        self.sync()
        self._tasks.append(await follow(self.store, WAKE_CHANNEL, self._woken))
        self._tasks.append(await follow(self.store, CHANGED, self._changed))
        self._tasks.append(asyncio.create_task(self._flushing(), name="signals-metrics"))

    def sync(self) -> None:
        """Run a pusher for exactly the push streams."""
        self.deliveries.sync({s.id for s in self.streams.all() if s.endpoint})

    async def _woken(self, message: bytes) -> None:
        self.deliveries.wake(message.decode())

    async def _changed(self, message: bytes) -> None:
        await self.streams.load()
        self.sync()

    async def _flushing(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_EVERY)
            self._flush()

    def _flush(self) -> None:
        notes = self.metrics.drain()
        if notes:
            self.flush(notes)

    async def stop(self) -> None:
        """Stop following, stop the pushers (their leases released), send the last metrics."""
        await cancel_all(self._tasks)
        await self.deliveries.stop()
        self._flush()
