"""The admin listener: health, readiness, route states, metrics."""

from __future__ import annotations

import os

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from gateway.admin.metrics import scrape
from gateway.admin.sessions import add_session_routes
from gateway.admin.signals import add_signal_routes
from gateway.admin.studio import add_studio_routes
from gateway.admin.summary import describe
from gateway.runtime import RUNTIME


async def health(request: web.Request) -> web.Response:
    """200 while the process serves; names the process, which matters when workers share the port."""
    return web.json_response({"status": "ok", "pid": os.getpid(), "worker": os.environ.get("GATEWAY_WORKER")})


async def ready(request: web.Request) -> web.Response:
    """200 once the routes are loaded, listing route files that fail; 503 before, and while draining.

    A failing file does not make the process unready (its good routes still serve, and the failure
    is usually in every instance alike), unless `routing.readyWhileBroken` is false."""
    runtime = request.app[RUNTIME]
    no_store = {"Cache-Control": "no-store"}
    if not (runtime.ready and runtime.routes.loaded):
        return web.json_response({"status": "not ready"}, status=503, headers=no_store)
    failed = [
        {"file": f.file, "state": f.state, "mode": f.mode, "errors": len(f.errors)} for f in runtime.routes.failing()
    ]
    body = {"status": "ready", "routes": len(runtime.routes.table.routes), "failedRoutes": failed}
    if failed and not runtime.settings.routing.readyWhileBroken:
        return web.json_response({**body, "status": "not ready"}, status=503, headers=no_store)
    return web.json_response(body, headers=no_store)


async def routes(request: web.Request) -> web.Response:
    """Every route file: name, order, state, errors, load time, health, condition, capabilities, hash."""
    runtime = request.app[RUNTIME]
    entries = runtime.routes.status()
    runtime.services.metrics.traffic.annotate(entries, runtime.routes.table)
    describe(entries, runtime.routes.directory, {k: f.digest for k, f in runtime.routes.files.items()})
    return web.json_response({"routes": entries})


async def monitoring(request: web.Request) -> web.Response:
    """A monitored route's statistics in OpenIG's shape; 404 for an unknown or unmonitored route."""
    runtime = request.app[RUNTIME]
    name = request.match_info["name"]
    route = runtime.routes.table.by_name(name)
    stats = runtime.services.metrics.traffic.monitoring(route) if route is not None else None
    if stats is None:
        message = f"no monitored route named {name!r}"
        return web.json_response({"error": "not_found", "message": message}, status=404)
    return web.json_response(stats)


async def metrics(request: web.Request) -> web.Response:
    """Prometheus text format."""
    body = scrape(request.app[RUNTIME])
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def add_admin_routes(app: web.Application) -> None:
    """Register the admin endpoints."""
    app.router.add_get("/health", health)
    app.router.add_get("/ready", ready)
    app.router.add_get("/admin/api/routes", routes)
    app.router.add_get("/admin/api/routes/{name}/monitoring", monitoring)
    app.router.add_get("/metrics", metrics)
    add_session_routes(app)
    add_signal_routes(app)
    add_studio_routes(app, app[RUNTIME].settings)
