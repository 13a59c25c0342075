"""A gateway with monitored routes in front of a real upstream (and one that is down), plus readers
for the monitoring JSON and the Prometheus text."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.gateway import GatewayHandle, running_gateway, write_route
from tests.support.upstream import Upstream

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def static(status: int, **extra: Any) -> dict[str, Any]:
    """An inline StaticResponseHandler."""
    return {"type": "StaticResponseHandler", "config": {"status": status, "entity": f"status {status}", **extra}}


def binding(path: str, handler: Any, base: str | None = None) -> dict[str, Any]:
    """A DispatchHandler binding taking exactly `path`."""
    found: dict[str, Any] = {"condition": f"${{request.uri.path == '{path}'}}", "handler": handler}
    if base is not None:
        found["baseURI"] = base
    return found


def shop_route(upstream: str, dead: str) -> dict[str, Any]:
    """/shop/*: 200 from the upstream, 301, 404 and 503 from static handlers, and an upstream that is down."""
    bindings = [
        binding("/shop/ok", "ClientHandler", upstream),
        binding("/shop/moved", static(301, headers={"Location": ["/shop/ok"]})),
        binding("/shop/missing", static(404)),
        binding("/shop/broken", static(503)),
        binding("/shop/down", "ClientHandler", dead),
    ]
    return {
        "name": "shop",
        "condition": "${startsWith(request.uri.path, '/shop/')}",
        "monitor": {"enabled": True, "percentiles": [0.5, 0.9, 0.99]},
        "handler": {"type": "DispatchHandler", "config": {"bindings": bindings}},
    }


def path_route(name: str, path: str, handler: Any, monitor: Any = None, base: str | None = None) -> dict[str, Any]:
    """A route taking exactly `path`."""
    route: dict[str, Any] = {"name": name, "condition": f"${{request.uri.path == '{path}'}}", "handler": handler}
    if monitor is not None:
        route["monitor"] = monitor
    if base is not None:
        route["baseURI"] = base
    return route


def closed_port_url() -> str:
    """An http:// URL on a loopback port nothing listens on: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
async def gateway(routes_dir: Path, upstream: Upstream) -> AsyncIterator[GatewayHandle]:
    """Routes shop (monitored), flaky (503), plain (unmonitored), quiet (monitoring off), lazy (upstream)."""
    write_route(routes_dir, "10-shop.json", shop_route(upstream.url, closed_port_url()))
    write_route(routes_dir, "20-flaky.json", path_route("flaky", "/flaky", static(503), {"percentiles": [0.75]}))
    write_route(routes_dir, "30-plain.json", path_route("plain", "/plain", static(200)))
    write_route(routes_dir, "40-quiet.json", path_route("quiet", "/quiet", static(200), {"enabled": False}))
    write_route(routes_dir, "50-lazy.json", path_route("lazy", "/slow", "ClientHandler", True, upstream.url))
    async with running_gateway(routes_dir) as handle:
        yield handle


async def monitoring(http: aiohttp.ClientSession, gateway: GatewayHandle, name: str) -> tuple[int, Any]:
    """GET /admin/api/routes/<name>/monitoring: (status, JSON)."""
    async with http.get(f"{gateway.admin}/admin/api/routes/{name}/monitoring") as response:
        return response.status, await response.json()


async def route_list(http: aiohttp.ClientSession, gateway: GatewayHandle) -> dict[str, dict[str, Any]]:
    """/admin/api/routes keyed by route name."""
    async with http.get(f"{gateway.admin}/admin/api/routes") as response:
        assert response.status == 200
        return {entry["name"]: entry for entry in (await response.json())["routes"]}


def parse_metrics(text: str) -> Samples:
    """Every sample of a Prometheus text page, keyed by (sample name, labels)."""
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[sample.name, frozenset(sample.labels.items())] = sample.value
    return samples


async def scrape(http: aiohttp.ClientSession, admin: str) -> Samples:
    """GET /metrics on an admin listener, parsed."""
    async with http.get(f"{admin}/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        return parse_metrics(await response.text())


def sample(samples: Samples, name: str, **labels: str) -> float | None:
    """One sample's value, or None when the page does not have it."""
    return samples.get((name, frozenset(labels.items())))


async def send(http: aiohttp.ClientSession, url: str, method: str = "GET") -> int:
    """One request; its status (redirects are not followed)."""
    async with http.request(method, url, allow_redirects=False) as response:
        await response.read()
        return response.status
