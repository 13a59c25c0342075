"""What heap objects may use while they build and serve: settings and the app's shared resources."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from aiohttp import web

from gateway.ops.metrics import Metrics
from gateway.sessions.events import EventBus
from gateway.stores.base import Store
from gateway.stores.closed import ClosedStore
from gateway.upstream.sessions import TlsSessions
from gateway.validation import ErrorSink

if TYPE_CHECKING:
    import aiohttp

    from gateway.sessions.manager import SessionManager
    from gateway.settings import Settings
    from gateway.upstream.pool import UpstreamPool

T = TypeVar("T")
# An exact path of the main listener answered before route matching (login callback, logout...).
Endpoint = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]


class BuildSite(ErrorSink, Protocol):
    """What a decorator sees of the build context (`gateway.heap.context.BuildContext`)."""

    def resolve(self, ref: str | dict[str, Any], path: str, cls: type[T]) -> T | None:
        """A heap object of type `cls`, or None if it failed (the error is recorded)."""


class Decorator(Protocol):
    """Wraps a heap object (or a route's handler) with capture: a wrapper with the same methods, or `obj`."""

    def __call__(self, obj: T, spec: object, path: str, ctx: BuildSite, name: str) -> T: ...


class ServiceKey(Generic[T]):
    """Names a feature's own per-process object on `Services`, typed as `web.AppKey` is."""

    __slots__ = ("kind", "name")

    def __init__(self, name: str, kind: type[T]) -> None:
        self.name = name
        self.kind = kind


@dataclass(eq=False)
class Services:
    """The app's resources, created once at startup and handed to every `from_config`."""

    settings: Settings
    metrics: Metrics = field(default_factory=Metrics)
    # The provider calls and websockets go through aiohttp; proxied requests through the upstream pool.
    http: aiohttp.ClientSession | None = None
    upstream: UpstreamPool | None = None
    # Sessions of the clients with TLS options of their own (an identity provider's CA bundle).
    tls_sessions: TlsSessions = field(default_factory=TlsSessions)
    # Opened by a lifetime; until then (and after) every call raises StoreUnavailable.
    store: Store = field(default_factory=ClosedStore)
    # Token buckets: in this process by default, the shared store when it is Redis.
    counters: Store = field(default_factory=ClosedStore)
    decorate: Decorator | None = None
    # Set while the app runs (a lifetime opens it after the store); read it at request time.
    sessions: SessionManager | None = None
    events: EventBus = field(default_factory=EventBus)
    # Resource lifetimes (aiohttp cleanup contexts) that features add, opened before routes load.
    lifetimes: list[Callable[[web.Application], AsyncIterator[None]]] = field(default_factory=list)
    # Exact paths on the main listener served before route matching (login callback, logout...).
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    _features: dict[str, object] = field(default_factory=dict, repr=False)

    def feature(self, key: ServiceKey[T]) -> T | None:
        """The object a feature put under `key`, or None."""
        found = self._features.get(key.name)
        return found if isinstance(found, key.kind) else None

    def add_feature(self, key: ServiceKey[T], value: T) -> T:
        """Put a feature's object under `key` (one per process) and return it."""
        self._features[key.name] = value
        return value

    def drop_feature(self, key: ServiceKey[T]) -> None:
        """Remove the object under `key`, when its feature stops."""
        self._features.pop(key.name, None)
