"""The admin listener: health, readiness, route states and reload metrics."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from gateway.admin.api import add_admin_routes
from gateway.app import create_services, start
from gateway.runtime import RUNTIME, make_runtime
from gateway.settings import Settings
from tests.routing.conftest import static_route
from tests.routing.holding import holding_upstream
from tests.routing.waiting import until
from tests.support.gateway import running_gateway, write_route


def loopback(routes_dir: Path, **more: object) -> Settings:
    config = {"listen": "127.0.0.1:0", "admin": {"listen": "127.0.0.1:0"}, "routes": str(routes_dir), **more}
    return Settings.model_validate(config)


async def test_health_answers_with_the_process_id(routes_dir: Path, http: aiohttp.ClientSession) -> None:
    async with running_gateway(routes_dir) as gateway, http.get(f"{gateway.admin}/health") as response:
        assert response.status == 200
        assert (await response.json())["pid"] == os.getpid()


async def test_ready_is_503_until_the_routes_are_loaded(routes_dir: Path) -> None:
    write_route(routes_dir, "10-a.json", static_route("/a", "a"))
    runtime = make_runtime(create_services(loopback(routes_dir)))
    app = web.Application()
    app[RUNTIME] = runtime
    add_admin_routes(app)
    async with TestClient(TestServer(app)) as client:
        assert (await client.get("/ready")).status == 503
        runtime.routes.load_all()
        runtime.ready = True
        answer = await client.get("/ready")
        assert (answer.status, (await answer.json())["routes"]) == (200, 1)


async def test_ready_is_200_once_a_gateway_has_started(routes_dir: Path, http: aiohttp.ClientSession) -> None:
    write_route(routes_dir, "10-a.json", static_route("/a", "a"))
    async with running_gateway(routes_dir) as gateway, http.get(f"{gateway.admin}/ready") as response:
        assert (response.status, await response.json()) == (200, {"status": "ready", "routes": 1, "failedRoutes": []})


async def test_ready_turns_503_while_requests_in_flight_drain(routes_dir: Path, http: aiohttp.ClientSession) -> None:
    async with holding_upstream() as upstream:
        write_route(routes_dir, "10-hold.json", {"baseURI": upstream.url, "handler": "ClientHandler"})
        running = await start(loopback(routes_dir), shutdown_timeout=10)
        main, admin = running.addresses()[0], running.addresses()[-1]
        in_flight = asyncio.create_task(http.get(f"http://{main}/hold"))
        await asyncio.wait_for(upstream.arrived.wait(), 10)
        stopping = asyncio.create_task(running.stop())
        await until(lambda: _status(http, f"http://{admin}/ready"), lambda s: s == 503, "not ready while draining")
        upstream.release.set()
        async with await in_flight as response:
            assert (response.status, await response.text()) == (200, "held")
        await stopping


async def _status(http: aiohttp.ClientSession, url: str) -> int:
    async with http.get(url) as response:
        return response.status


async def test_routes_lists_every_file_with_name_order_state_errors_and_load_time(
    routes_dir: Path, http: aiohttp.ClientSession
) -> None:
    write_route(routes_dir, "10-a.json", static_route("/a", "a"))
    write_route(routes_dir, "20-b.json", {"name": "bee", "condition": "${request.uri.path == '/b'}", "handler": "x"})
    async with running_gateway(routes_dir) as gateway, http.get(f"{gateway.admin}/admin/api/routes") as response:
        routes = (await response.json())["routes"]
    assert [(r["file"], r["name"], r["order"], r["state"]) for r in routes] == [
        ("10-a.json", "10-a", 0, "loaded"),
        ("20-b.json", "bee", 1, "fail-closed"),
    ]
    assert routes[0]["errors"] == [] and isinstance(routes[0]["loadedAt"], float)
    assert routes[1]["errors"] == [{"file": "20-b.json", "path": "$.handler", "message": "no heap object named 'x'"}]


async def test_metrics_count_reloads_and_route_states(routes_dir: Path, http: aiohttp.ClientSession) -> None:
    write_route(routes_dir, "10-a.json", static_route("/a", "a"))
    write_route(routes_dir, "20-b.json", "{")
    async with running_gateway(routes_dir) as gateway, http.get(f"{gateway.admin}/metrics") as response:
        assert response.status == 200
        text = await response.text()
    for sample in (
        'gateway_route_reloads_total{result="loaded"} 1.0',
        'gateway_route_reloads_total{result="fail_closed"} 1.0',
        'gateway_routes{state="loaded"} 1.0',
        'gateway_routes{state="failed"} 0.0',
        'gateway_routes{state="fail-closed"} 1.0',
        'gateway_route_failures{file="20-b.json"} 1.0',
    ):
        assert sample in text
