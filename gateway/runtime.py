"""The running gateway's state: settings, services, global heap and routes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from gateway.auth.endpoints import install_auth_endpoints
from gateway.errors import ConfigErrors
from gateway.heap.build import Heap
from gateway.heap.context import BuildContext
from gateway.routing.reload import RouteSet
from gateway.services import Services
from gateway.settings import Settings
from gateway.types import CATALOG


@dataclass(eq=False)
class Runtime:
    """One process's gateway; resources are opened and closed by the admin app's cleanup contexts."""

    services: Services
    heap: Heap
    routes: RouteSet
    ready: bool = False
    extras: dict[str, object] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        """The global settings."""
        return self.services.settings


RUNTIME: web.AppKey[Runtime] = web.AppKey("runtime")


def build_global_heap(services: Services) -> Heap:
    """Build the config file's heap eagerly, so that its errors stop startup."""
    ctx = BuildContext(services.settings.source, services)
    ctx.heap = heap = Heap(ctx, services.settings.heap, "$.heap", catalog=CATALOG)
    heap.build_all()
    if ctx.errors:
        raise ConfigErrors(ctx.errors)
    # Routes' login filters find the global providers (and the login endpoints) through this.
    install_auth_endpoints(services, heap)
    return heap


def make_runtime(services: Services) -> Runtime:
    """The runtime for `services`; routes load when the app starts."""
    heap = build_global_heap(services)
    routes = RouteSet(Path(services.settings.routes).resolve(), services, heap)
    return Runtime(services, heap, routes)
