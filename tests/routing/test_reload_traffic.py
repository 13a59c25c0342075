"""Reloads under traffic: a request in flight finishes on its route, and no request is dropped."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from tests.routing.conftest import Get, static_route
from tests.routing.holding import holding_upstream
from tests.routing.waiting import until
from tests.support.gateway import GatewayHandle, write_route


def tagged_proxy(base: str, version: str) -> dict[str, object]:
    """A route to `base` that tags its responses with the route version."""
    tag = {"type": "HeaderFilter", "config": {"messageType": "RESPONSE", "add": {"X-Version": version}}}
    return {
        "baseURI": base,
        "condition": "${request.uri.path == '/hold'}",
        "handler": {"type": "Chain", "config": {"filters": [tag], "handler": "ClientHandler"}},
    }


async def test_a_request_in_flight_finishes_on_the_route_it_started_with(
    gateway: GatewayHandle, http: aiohttp.ClientSession, get: Get
) -> None:
    async with holding_upstream() as upstream:
        write_route(gateway.routes_dir, "10-hold.json", tagged_proxy(upstream.url, "v1"))
        write_route(gateway.routes_dir, "20-probe.json", static_route("/probe", "v1"))
        await until(lambda: get("/probe"), lambda r: r[0] == 200, "the routes")
        in_flight = asyncio.create_task(http.get(f"{gateway.url}/hold"))
        await asyncio.wait_for(upstream.arrived.wait(), 10)
        write_route(gateway.routes_dir, "10-hold.json", static_route("/hold", "v2"))
        write_route(gateway.routes_dir, "20-probe.json", static_route("/probe", "v2"))
        await until(lambda: get("/probe"), lambda r: r == (200, "v2"), "the reload")
        assert await get("/hold") == (200, "v2")
        upstream.release.set()
        async with await in_flight as response:
            assert (response.status, response.headers["X-Version"], await response.text()) == (200, "v1", "held")


@pytest.mark.slow
async def test_no_request_is_dropped_during_twenty_reloads(gateway: GatewayHandle, get: Get) -> None:
    path = gateway.routes_dir / "10-h.json"
    write_route(gateway.routes_dir, path.name, static_route("/h", "v0"))
    await until(lambda: get("/h"), lambda r: r == (200, "v0"), "the first version")
    seen: list[tuple[int, str]] = []
    stop = asyncio.Event()

    async def hammer() -> None:
        while not stop.is_set():
            seen.append(await get("/h"))

    clients = [asyncio.create_task(hammer()) for _ in range(8)]
    try:
        for version in range(1, 21):
            # A plain write, not an atomic rename: the watcher may see the file half-written.
            path.write_text(json.dumps(static_route("/h", f"v{version}")))
            await until(lambda v=version: get("/h"), lambda r, v=version: r == (200, f"v{v}"), f"version {version}")
    finally:
        stop.set()
        await asyncio.gather(*clients)
    assert len(seen) > 20
    assert {status for status, _ in seen} == {200}
    assert {body for _, body in seen} <= {f"v{n}" for n in range(21)}
