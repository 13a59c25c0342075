"""The admin listener: health, readiness, route states, metrics."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gateway.keys import RUNTIME


async def health(request: web.Request) -> web.Response:
    """200 while the process serves."""
    return web.json_response({"status": "ok"})


async def ready(request: web.Request) -> web.Response:
    """200 once the routes are loaded."""
    runtime = request.app[RUNTIME]
    if not runtime.ready:
        return web.json_response({"status": "starting"}, status=503)
    return web.json_response({"status": "ready", "routes": len(runtime.routes.table.routes)})


async def routes(request: web.Request) -> web.Response:
    """Every route file with its order, state, errors and load time."""
    return web.json_response({"routes": request.app[RUNTIME].routes.status()})


async def metrics(request: web.Request) -> web.Response:
    """Prometheus text format."""
    registry = request.app[RUNTIME].services.metrics.registry
    body = generate_latest(registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def add_admin_routes(app: web.Application) -> None:
    """Register the admin endpoints."""
    app.router.add_get("/health", health)
    app.router.add_get("/ready", ready)
    app.router.add_get("/admin/api/routes", routes)
    app.router.add_get("/metrics", metrics)
