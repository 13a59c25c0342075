"""The admin listener: health, readiness, route states, metrics."""

from __future__ import annotations

import os

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from gateway.admin.sessions import add_session_routes
from gateway.admin.signals import add_signal_routes
from gateway.keys import RUNTIME
from gateway.ops.publish import scrape


async def health(request: web.Request) -> web.Response:
    """200 while the process serves; names the process, which matters when workers share the port."""
    return web.json_response({"status": "ok", "pid": os.getpid(), "worker": os.environ.get("GATEWAY_WORKER")})


async def ready(request: web.Request) -> web.Response:
    """200 once the routes are loaded; 503 before, and while the process drains on shutdown."""
    runtime = request.app[RUNTIME]
    if not (runtime.ready and runtime.routes.loaded):
        return web.json_response({"status": "not ready"}, status=503, headers={"Cache-Control": "no-store"})
    return web.json_response({"status": "ready", "routes": len(runtime.routes.table.routes)})


async def routes(request: web.Request) -> web.Response:
    """Every route file with its name, order, state, errors, load time and health."""
    runtime = request.app[RUNTIME]
    entries = runtime.routes.status()
    runtime.services.metrics.traffic.annotate(entries, runtime.routes.table)
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
