"""Security signals assembled for one process: transmitter, outbox delivery, poll endpoint,
receiver, and the endpoints they serve on the main listener."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gateway.oauth import ssf
from gateway.oauth.set import SetSigner
from gateway.services import ServiceKey
from gateway.signals.delivery import Deliveries, Pusher
from gateway.signals.failures import FailedDeliveries
from gateway.signals.keys import published_keys, signing_key
from gateway.signals.metrics import SignalMetrics
from gateway.signals.outbox import WAKE_CHANNEL, Outbox
from gateway.signals.poll import Bell, PollEndpoint
from gateway.signals.published import JsonDocument
from gateway.signals.push_receiver import PushReceiver
from gateway.signals.receiving import build_receiver, http_client, start_pollers
from gateway.signals.signing import SigningPool
from gateway.signals.streams import CHANGED, Streams
from gateway.signals.transmitter import Transmitter
from gateway.signals.wrapping import encryption_keys
from gateway.signals_settings import SignalsSettings, StreamSettings

if TYPE_CHECKING:
    from gateway.services import Services

log = logging.getLogger("gateway.signals")
MANAGEMENT_PATH = "/ssf/streams"
STATUS_PATH = "/ssf/status"
VERIFY_PATH = "/ssf/verify"


class Signals:
    """The running signals of one process."""

    def __init__(self, services: Services, config: SignalsSettings, configured: list[StreamSettings]) -> None:
        store = services.store
        self.services = services
        self.config = config
        self.metrics = SignalMetrics(services.metrics.registry)
        self.outbox = Outbox(store)
        self.failures = FailedDeliveries(store)
        self.streams = Streams(store, configured)
        self.bell = Bell()
        key = signing_key(config.pemPath, config.pemValue, services.settings.state)
        self.signer = SetSigner(str(config.issuer), key, published_keys(config.publishedKeys))
        self.signing = SigningPool(self.signer, config.signingProcesses)
        self.transmitter = Transmitter(self.signing, self.outbox, self.streams.all)
        self.transmitter.queued = self.wake
        self.deliveries = Deliveries(self._pusher)
        self.poll = PollEndpoint(self.streams.get, self.outbox, self.failures, self.bell, config.longPoll, self.metrics)
        self._tasks: list[asyncio.Task[Any]] = []
        self._unsubscribe: Callable[[], None] = lambda: None

    def _pusher(self, stream_id: str) -> Pusher:
        http = http_client(self.services)
        return Pusher(stream_id, self.streams.get, self.outbox, self.failures, http, self.config, self.metrics)

    def wake(self, stream_id: str) -> None:
        """New SETs for a stream: its pusher and its long polls look now."""
        self.deliveries.wake(stream_id)
        self.bell.ring(stream_id)

    async def start(self) -> None:
        """Load the streams, serve the endpoints, start delivering and receiving."""
        await self.streams.load()
        self.signing.start()
        keys = await encryption_keys(self.services.http, self.streams.all())
        self.transmitter.encryption = lambda stream: keys.get(stream.id)
        self._serve()
        self.sync()
        subscription = self.services.store.subscribe(WAKE_CHANNEL)
        await subscription.start()
        changes = self.services.store.subscribe(CHANGED)
        await changes.start()
        self._tasks += [asyncio.create_task(self._follow(subscription)), asyncio.create_task(self._reload(changes))]
        sessions = self.services.sessions
        if self.config.publish and sessions is not None:
            sessions.before_end = self.transmitter.before_end
            self._unsubscribe = lambda: setattr(sessions, "before_end", None)
        if self.config.receiver.enabled:
            receiver = build_receiver(self.services, self.config, self.metrics)
            self.services.endpoints[self.config.receiver.path] = PushReceiver(receiver, self.config.receiver.bearer)
            self._tasks += start_pollers(self.services, self.config, receiver)

    def sync(self) -> None:
        """Run a pusher per push stream and serve a poll endpoint per poll stream."""
        streams = self.streams.all()
        self.deliveries.sync({s.id for s in streams if s.endpoint})
        for stream in streams:
            if not stream.endpoint:
                self.services.endpoints[f"{self.config.pollPath}/{stream.id}"] = self.poll

    def _serve(self) -> None:
        issuer = str(self.config.issuer)
        metadata = ssf.configuration(
            issuer, jwks_path=self.config.jwksPath, stream_path=MANAGEMENT_PATH, status_path=STATUS_PATH,
            verify_path=VERIFY_PATH, management=self.config.managementUrl,
        )  # fmt: skip
        self.services.endpoints[ssf.well_known_path(issuer)] = JsonDocument(metadata)
        self.services.endpoints[self.config.jwksPath] = JsonDocument(self.signer.jwks())

    async def _follow(self, subscription: Any) -> None:
        async with subscription:
            async for message in subscription:
                self.wake(message.decode())

    async def _reload(self, changes: Any) -> None:
        async with changes:
            async for _ in changes:
                await self.streams.load()
                self.sync()

    async def stop(self) -> None:
        """Stop delivering and receiving."""
        self._unsubscribe()
        # The followers first: a stream change arriving now must not start a pusher after the stop.
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.deliveries.stop()
        self.signing.stop()


# The running signals of this process, while the app runs (`lifetime.signals_lifetime` puts them there).
SIGNALS = ServiceKey("signals", Signals)
