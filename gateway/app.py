"""Assemble a gateway process: services, routes, the main listener and the admin listener."""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import aiohttp
from aiohttp import web

from gateway.admin.api import add_admin_routes
from gateway.admin.drafts import MAKE_SERVICES
from gateway.admin.metrics import publishing_lifetime
from gateway.admin.trial import MAIN_TLS, MAIN_URL
from gateway.capturing.install import install_capture
from gateway.contract import HandlerFn
from gateway.errors import ConfigError, ConfigErrors
from gateway.http.defaults import Defaults, set_defaults
from gateway.http.tls import TlsFileError, reload_on_change
from gateway.listener import Listener
from gateway.ops.hygiene import HardenedAppRunner, on_leaving, on_prepare
from gateway.ops.metrics import Metrics
from gateway.policy.audit import audit_log
from gateway.routing.dispatch import Dispatcher
from gateway.routing.watch import watch_routes
from gateway.runtime import RUNTIME, Runtime, make_runtime
from gateway.services import Services
from gateway.session_lifetime import sessions_lifetime
from gateway.sessions.cookies import COOKIE_HEADER_BYTES
from gateway.settings import Settings, split_hostport
from gateway.signals.lifetime import signals_lifetime
from gateway.stores import MemoryStore, StoreSpec, open_store
from gateway.stores.spec import DEFAULT_PATH
from gateway.upstream.pool import UpstreamPool

log = logging.getLogger("gateway")


async def _http_client(app: web.Application) -> AsyncIterator[None]:
    services = app[RUNTIME].services
    upstream = services.settings.upstream
    connector = aiohttp.TCPConnector(
        limit=upstream.connections, limit_per_host=0, keepalive_timeout=upstream.keepalive, ttl_dns_cache=60
    )
    # Upstream responses are relayed, not interpreted: no cookie jar, no decompression.
    services.http = aiohttp.ClientSession(
        connector=connector, cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False
    )
    services.upstream = UpstreamPool(limit=upstream.connections, keepalive=upstream.keepalive)
    yield
    await services.upstream.close()
    services.upstream = None
    await services.tls_sessions.close()
    await services.http.close()
    services.http = None


async def _routes(app: web.Application) -> AsyncIterator[None]:
    runtime = app[RUNTIME]
    runtime.routes.load_all()
    runtime.ready = True
    stop = asyncio.Event()
    watcher = asyncio.create_task(watch_routes(runtime.routes, stop))
    yield
    stop.set()
    runtime.ready = False
    try:
        await asyncio.wait_for(watcher, timeout=5)
    except TimeoutError:
        watcher.cancel()


def create_admin_app(runtime: Runtime) -> web.Application:
    """The admin app; its cleanup contexts own every resource of the process."""
    app = web.Application()
    app[RUNTIME] = runtime
    # Studio drafts are checked with services of their own, built as the serving ones are.
    app[MAKE_SERVICES] = create_services
    app.on_response_prepare.append(on_prepare)
    app.cleanup_ctx.append(_http_client)
    for lifetime in runtime.services.lifetimes:
        app.cleanup_ctx.append(lifetime)
    app.cleanup_ctx.append(_routes)
    add_admin_routes(app)
    return app


def create_services(settings: Settings) -> Services:
    """Services before any resource is opened; a bad store section fails here, at startup."""
    services = Services(settings=settings, metrics=Metrics())
    spec = StoreSpec.from_config(settings.store)
    if spec.kind == "embedded" and spec.path == DEFAULT_PATH:
        spec = spec.model_copy(update={"path": Path(settings.state) / "gateway.db"})
    services.lifetimes.append(partial(_stores, spec=spec))
    services.lifetimes.append(sessions_lifetime)
    services.lifetimes.append(partial(signals_lifetime, services=services, store=spec))
    install_capture(services)
    services.lifetimes.append(publishing_lifetime)
    services.lifetimes.append(_authz_audit)
    return services


async def _authz_audit(app: web.Application) -> AsyncIterator[None]:
    # The authorization audit lines still queued are written when the gateway stops.
    yield
    audit_log(app[RUNTIME].services).flush()


async def _stores(app: web.Application, spec: StoreSpec) -> AsyncIterator[None]:
    services = app[RUNTIME].services
    services.store = open_store(spec)
    # Token buckets are hot-path state: in this process unless Redis shares them across instances.
    services.counters = services.store if spec.kind == "redis" else MemoryStore()
    yield
    if services.counters is not services.store:
        await services.counters.close()
    await services.store.close()


def _local_url(address: tuple[str, int], https: bool = False) -> str:
    """An URL this process can reach its main listener at (loopback when it listens everywhere)."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(address[0], address[0])
    scheme = "https" if https else "http"
    return f"{scheme}://[{host}]:{address[1]}" if ":" in host else f"{scheme}://{host}:{address[1]}"


@dataclass
class Running:
    """A started gateway: the runners to clean up and the bound addresses."""

    runtime: Runtime
    admin: web.AppRunner
    main: web.ServerRunner
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def addresses(self) -> list[str]:
        """host:port of every listener, main first."""
        return [f"{a[0]}:{a[1]}" for r in (self.main, self.admin) for a in r.addresses]

    async def stop(self, grace: float = 0.0) -> None:
        """Stop accepting, let requests in flight finish (up to the shutdown timeout), close resources.

        `grace` seconds pass between the last accept and closing the connections that have sent no
        request yet: on a listening socket other workers share, a client that connected just before
        gets its request read instead of a closed connection."""
        # Not ready while draining, so that a load balancer stops sending before the port closes.
        self.runtime.ready = False
        for task in self.tasks:
            task.cancel()
        if grace:
            for site in list(self.main.sites):
                await site.stop()
            await asyncio.sleep(grace)
        await self.main.cleanup()
        await self.admin.cleanup()


async def start(
    settings: Settings,
    *,
    reuse_port: bool = False,
    shutdown_timeout: float = 10.0,
    sockets: tuple[socket.socket, socket.socket] | None = None,
) -> Running:
    """Start both listeners of one process, on `sockets` (main, admin) when a supervisor bound them."""
    tls = _tls_context(settings)
    services = create_services(settings)
    runtime = make_runtime(services)
    admin = HardenedAppRunner(create_admin_app(runtime), access_log=None)
    try:
        await admin.setup()
    except BaseException:
        # A start-up that fails (strict routes, a store) closes what it had opened before failing.
        await admin.cleanup()
        raise
    hsts = settings.tls.hsts if settings.tls is not None else None
    handler = _own_headers(Dispatcher(runtime.routes, services), hsts, services)
    refused = services.metrics.connections_refused
    server = Listener(handler, settings.limits, refused, access_log=None, max_field_size=COOKIE_HEADER_BYTES)
    main = web.ServerRunner(server, shutdown_timeout=shutdown_timeout)
    await main.setup()
    running = Running(runtime, admin, main)
    if tls is not None and settings.tls is not None:
        watch = reload_on_change(settings.tls.server(), tls, settings.tls.reloadInterval)
        running.tasks.append(asyncio.create_task(watch))
    if sockets is not None:
        await web.SockSite(main, sockets[0], ssl_context=tls).start()
        await web.SockSite(admin, sockets[1]).start()
    else:
        host, port = split_hostport(settings.listen)
        await web.TCPSite(main, host, port, reuse_port=reuse_port or None, backlog=1024, ssl_context=tls).start()
        admin_host, admin_port = split_hostport(settings.admin.listen, "127.0.0.1")
        await web.TCPSite(admin, admin_host, admin_port, reuse_port=reuse_port or None).start()
    # The studio's "try it" relays to this address.
    runtime.extras[MAIN_URL] = _local_url(main.addresses[0], https=tls is not None)
    if settings.tls is not None:
        runtime.extras[MAIN_TLS] = settings.tls.server()
    return running


def _secure(services: Services, request: web.BaseRequest) -> bool:
    """Whether the cookies of this request's answer get `Secure` (`sessions.secure`)."""
    sessions = services.sessions
    return sessions.secure_for(request) if sessions is not None else request.scheme == "https"


def _tls_context(settings: Settings) -> ssl.SSLContext | None:
    """The main listener's TLS context, built before anything opens; its files failing is a config error."""
    if settings.tls is None:
        return None
    try:
        return settings.tls.server().context()
    except TlsFileError as exc:
        raise ConfigErrors([ConfigError(f"$.tls.{exc.option}", str(exc), settings.source)]) from exc


def _own_headers(handler: HandlerFn, hsts: str | None, services: Services) -> HandlerFn:
    """`Server: gateway` instead of aiohttp's version banner (an upstream's own Server header passes),
    Strict-Transport-Security on every response of the https listener (a route may set its own), and
    the headers and Secure cookies of the gateway's own responses (`ops.hygiene`)."""
    added = Defaults([("Server", "gateway")] + ([("Strict-Transport-Security", hsts)] if hsts else []))

    async def with_headers(request: web.BaseRequest) -> web.StreamResponse:
        response = await handler(request)
        if not response.prepared:
            set_defaults(response, added)
            on_leaving(response, partial(_secure, services, request))
        return response

    return with_headers
