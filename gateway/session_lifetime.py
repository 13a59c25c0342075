"""The sessions' app lifetime: opened after the store, before routes load."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from gateway.runtime import RUNTIME
from gateway.sessions.keys import session_key
from gateway.sessions.manager import SessionManager
from gateway.sessions.sweeper import SessionSweeper


async def sessions_lifetime(app: web.Application) -> AsyncIterator[None]:
    """Create the SessionManager over the store; follow revocations and sweep expired sessions until shutdown."""
    services = app[RUNTIME].services
    settings = services.settings
    manager = SessionManager(
        services.store, settings, services.events, session_key(settings.sessions.secret, settings.state)
    )
    await manager.start()
    sweeper = SessionSweeper(manager, settings.sessions.sweepInterval)
    sweeper.start()
    services.sessions = manager
    yield
    services.sessions = None
    await sweeper.stop()
    await manager.stop()
