"""What heap objects may use while they build and serve: settings and the app's shared resources."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gateway.sessions.events import EventBus

if TYPE_CHECKING:
    import aiohttp
    from aiohttp import web

    from gateway.contract import HandlerFn
    from gateway.heap.context import BuildContext
    from gateway.sessions.manager import SessionManager
    from gateway.settings import Settings
    from gateway.upstream.pool import UpstreamPool

# Wraps a heap object with capture: (object, capture spec, JSON path, context, object name) -> object.
Decorator = Callable[[Any, Any, str, "BuildContext", str], Any]


@dataclass(eq=False)
class Services:
    """The app's resources, created once at startup and handed to every `from_config`."""

    settings: Settings
    # The provider calls and websockets go through aiohttp; proxied requests through the upstream pool.
    http: aiohttp.ClientSession | None = None
    upstream: UpstreamPool | None = None
    store: Any = None
    # Token buckets: in this process by default, the shared store when it is Redis.
    counters: Any = None
    metrics: Any = None
    decorate: Decorator | None = None
    # Set while the app runs (a lifetime opens it after the store); read it at request time.
    sessions: SessionManager | None = None
    events: EventBus = field(default_factory=EventBus)
    # Resource lifetimes (aiohttp cleanup contexts) that features add, opened before routes load.
    lifetimes: list[Callable[[web.Application], AsyncIterator[None]]] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)
    # Exact paths on the main listener served before route matching (login callback, logout...).
    endpoints: dict[str, HandlerFn] = field(default_factory=dict)
