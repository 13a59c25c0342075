"""The signals' app lifetime: opened after the store, the HTTP client and the sessions."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator

from aiohttp import web

from gateway.errors import ConfigError, ConfigErrors
from gateway.services import Services
from gateway.signals.environment import load_stream_file, with_environment
from gateway.signals.process import ProcessArgs
from gateway.signals.service import SIGNALS, Signals
from gateway.signals_settings import SignalsSettings, StreamSettings
from gateway.stores import StoreSpec

log = logging.getLogger("gateway.signals")
# Set by `gateway serve --workers N` in each worker (serve.WORKER_ENV); worker 0 keeps the signals process.
_WORKER_ENV = "GATEWAY_WORKER"


async def signals_lifetime(app: web.Application, services: Services, store: StoreSpec) -> AsyncIterator[None]:
    """Start security signals when enabled (gateway.yaml or GATEWAY_SIGNALS_ENABLE); stop them at shutdown.

    `services` and the `store` spec are bound by the composition root (functools.partial), so that
    this layer needs no app key."""
    config = with_environment(services.settings.signals, os.environ)
    if not config.enabled:
        yield
        return
    if not config.issuer:
        raise ConfigErrors([ConfigError("$.signals.issuer", "the transmitter's issuer URL is required")])
    if config.signingProcesses is not None:
        log.warning("signals.signingProcesses is deprecated and ignored: SETs are signed in the signals process")
    streams = [*config.streams, *(load_stream_file(path) for path in config.streamFiles)]
    signals = Signals(services, config, streams)
    owner = os.environ.get(_WORKER_ENV, "0") == "0"
    await signals.start(_process_args(services, config, streams, store) if owner else None)
    services.add_feature(SIGNALS, signals)
    yield
    services.drop_feature(SIGNALS)
    await signals.stop()


def _process_args(services: Services, config: SignalsSettings, streams: list[StreamSettings],
                  store: StoreSpec) -> ProcessArgs:  # fmt: skip
    settings = services.settings
    return ProcessArgs(
        config.model_dump_json(), [s.model_dump_json() for s in streams], store.model_dump_json(),
        str(settings.state), settings.logFormat, os.getpid(),
    )  # fmt: skip
