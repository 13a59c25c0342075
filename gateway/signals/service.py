"""Security signals assembled for one serving process: transmitter, poll endpoint, receiver, and the
endpoints they serve on the main listener. Push delivery runs in the signals process, which the
process that owns it (the one serving alone, or worker 0) keeps running (`keeper.py`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from gateway.oauth import ssf
from gateway.oauth.set import SetSigner
from gateway.services import ServiceKey
from gateway.signals.courier import Courier
from gateway.signals.failures import FailedDeliveries
from gateway.signals.following import cancel_all, follow
from gateway.signals.keeper import SignalsProcess
from gateway.signals.keys import published_keys, signing_key
from gateway.signals.metrics import SignalMetrics
from gateway.signals.outbox import WAKE_CHANNEL, Outbox
from gateway.signals.poll import Bell, PollEndpoint
from gateway.signals.process import ProcessArgs
from gateway.signals.published import JsonDocument
from gateway.signals.push_receiver import PushReceiver
from gateway.signals.receiving import build_receiver, http_client, start_pollers
from gateway.signals.relay import replay
from gateway.signals.signing import SetSigning
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
READY_TIMEOUT = 30.0


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
        self.signing = SetSigning(self.signer)
        self.transmitter = Transmitter(self.signer, self.outbox, self.streams.all)
        self.transmitter.queued = self.bell.ring
        self.poll = PollEndpoint(self.streams.get, self.outbox, self.failures, self.bell, config.longPoll,
                                 self.metrics, self.signing)  # fmt: skip
        # Where push delivery runs: the signals process, or (a memory store, which no other process
        # can open) a courier on this event loop. None in the workers that do not own it.
        self.delivery: SignalsProcess | Courier | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._unsubscribe: Callable[[], None] = lambda: None

    async def start(self, process: ProcessArgs | None) -> None:
        """Load the streams, serve the endpoints, start receiving, and start the delivery when given
        `process` (what the signals process is started with)."""
        await self.streams.load()
        keys = await encryption_keys(self.services.http, self.streams.all())
        self.signing.encryption = lambda stream: keys.get(stream.id)
        self._serve()
        self.sync()
        self._tasks.append(await follow(self.services.store, WAKE_CHANNEL, self._woken))
        self._tasks.append(await follow(self.services.store, CHANGED, self._changed))
        if process is not None:
            await self._deliver(process)
        sessions = self.services.sessions
        if self.config.publish and sessions is not None:
            sessions.before_end = self.transmitter.before_end
            self._unsubscribe = lambda: setattr(sessions, "before_end", None)
        if self.config.receiver.enabled:
            receiver = build_receiver(self.services, self.config, self.metrics)
            self.services.endpoints[self.config.receiver.path] = PushReceiver(receiver, self.config.receiver.bearer)
            self._tasks += start_pollers(self.services, self.config, receiver)

    async def _deliver(self, process: ProcessArgs) -> None:
        if process.spec().kind != "memory":
            self.delivery = SignalsProcess(process, self.metrics)
            self.delivery.start()
            # Ready means delivering: the gateway says it is ready only once its SETs leave.
            try:
                await asyncio.wait_for(self.delivery.ready.wait(), READY_TIMEOUT)
            except TimeoutError:
                log.warning("the signals process is not delivering after %g s; going on without it", READY_TIMEOUT)
            return
        log.warning("signals: the memory store is not shared with another process; pushing from this one")
        courier = Courier(self.services.store, self.config, process.configured(), http_client(self.services),
                          process.state, partial(replay, self.metrics))  # fmt: skip
        await courier.start()
        self.delivery = courier

    def sync(self) -> None:
        """Serve a poll endpoint per poll stream."""
        for stream in self.streams.all():
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

    async def _woken(self, message: bytes) -> None:
        self.bell.ring(message.decode())

    async def _changed(self, message: bytes) -> None:
        await self.streams.load()
        self.sync()

    async def stop(self) -> None:
        """Stop delivering and receiving."""
        self._unsubscribe()
        await cancel_all(self._tasks)
        if self.delivery is not None:
            await self.delivery.stop()


# The running signals of this process, while the app runs (`lifetime.signals_lifetime` puts them there).
SIGNALS = ServiceKey("signals", Signals)
