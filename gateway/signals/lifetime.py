"""The signals' app lifetime: opened after the store, the HTTP client and the sessions."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

from aiohttp import web

from gateway.errors import ConfigError, ConfigErrors
from gateway.keys import RUNTIME
from gateway.signals.environment import load_stream_file, with_environment
from gateway.signals.service import Signals

EXTRA = "signals"


async def signals_lifetime(app: web.Application) -> AsyncIterator[None]:
    """Start security signals when enabled (gateway.yaml or GATEWAY_SIGNALS_ENABLE); stop them at shutdown."""
    services = app[RUNTIME].services
    config = with_environment(services.settings.signals, os.environ)
    if not config.enabled:
        yield
        return
    if not config.issuer:
        raise ConfigErrors([ConfigError("$.signals.issuer", "the transmitter's issuer URL is required")])
    streams = [*config.streams, *(load_stream_file(path) for path in config.streamFiles)]
    signals = Signals(services, config, streams)
    await signals.start()
    services.extras[EXTRA] = signals
    yield
    services.extras.pop(EXTRA, None)
    await signals.stop()
