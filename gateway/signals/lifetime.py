"""The signals' app lifetime: opened after the store, the HTTP client and the sessions."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

from aiohttp import web

from gateway.errors import ConfigError, ConfigErrors
from gateway.services import Services
from gateway.signals.environment import load_stream_file, with_environment
from gateway.signals.service import SIGNALS, Signals


async def signals_lifetime(app: web.Application, services: Services) -> AsyncIterator[None]:
    """Start security signals when enabled (gateway.yaml or GATEWAY_SIGNALS_ENABLE); stop them at shutdown.

    `services` is bound by the composition root (functools.partial), so that this layer needs no app key."""
    config = with_environment(services.settings.signals, os.environ)
    if not config.enabled:
        yield
        return
    if not config.issuer:
        raise ConfigErrors([ConfigError("$.signals.issuer", "the transmitter's issuer URL is required")])
    streams = [*config.streams, *(load_stream_file(path) for path in config.streamFiles)]
    signals = Signals(services, config, streams)
    await signals.start()
    services.add_feature(SIGNALS, signals)
    yield
    services.drop_feature(SIGNALS)
    await signals.stop()
