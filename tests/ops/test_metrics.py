"""GET /metrics after a known sequence of requests: exact counts by route, method and status class."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from tests.ops.conftest import path_route, sample, scrape, send
from tests.ops.test_monitoring import run_sequence
from tests.routing.waiting import until
from tests.support.gateway import GatewayHandle, running_gateway, write_route
from tests.support.upstream import Upstream


async def test_requests_are_counted_by_route_method_and_status_class(
    gateway: GatewayHandle, http: aiohttp.ClientSession
) -> None:
    await run_sequence(http, gateway)
    for path in ("/nowhere", "/nowhere/else"):
        assert await send(http, gateway.url + path) == 404
    samples = await scrape(http, gateway.admin)
    expected = {
        ("shop", "GET", "2xx"): 3, ("shop", "POST", "2xx"): 2, ("shop", "other", "2xx"): 1,
        ("shop", "GET", "3xx"): 2, ("shop", "GET", "4xx"): 4, ("shop", "GET", "5xx"): 3, ("-", "GET", "4xx"): 2,
    }  # fmt: skip
    counted = {
        (dict(labels)["route"], dict(labels)["method"], dict(labels)["status_class"]): value
        for (name, labels), value in samples.items()
        if name == "gateway_requests_total"
    }
    assert counted == expected


async def test_durations_active_requests_and_upstream_errors_are_exported(
    gateway: GatewayHandle, http: aiohttp.ClientSession
) -> None:
    await run_sequence(http, gateway)
    samples = await scrape(http, gateway.admin)
    assert sample(samples, "gateway_request_duration_seconds_count", route="shop") == 15
    assert sample(samples, "gateway_request_duration_seconds_bucket", route="shop", le="+Inf") == 15
    assert sample(samples, "gateway_requests_active", route="shop") == 0
    assert sample(samples, "gateway_upstream_errors_total", route="shop", kind="refused") == 2
    assert sample(samples, "gateway_errors_total", code="upstream_unavailable") == 2


async def test_a_request_in_flight_is_active(
    gateway: GatewayHandle, http: aiohttp.ClientSession, upstream: Upstream
) -> None:
    pending = asyncio.ensure_future(send(http, gateway.url + "/slow?delay=0.5"))
    try:
        samples = await until(
            lambda: scrape(http, gateway.admin),
            lambda s: sample(s, "gateway_requests_active", route="lazy") == 1,
            "the request to be in flight",
        )
        assert sample(samples, "gateway_requests_total", route="lazy", method="GET", status_class="2xx") is None
    finally:
        assert await pending == 200
    samples = await scrape(http, gateway.admin)
    assert sample(samples, "gateway_requests_active", route="lazy") == 0
    assert sample(samples, "gateway_requests_total", route="lazy", method="GET", status_class="2xx") == 1


async def test_every_metric_family_is_present_and_prefixed(gateway: GatewayHandle, http: aiohttp.ClientSession) -> None:
    await send(http, gateway.url + "/plain")
    async with http.get(f"{gateway.admin}/metrics") as response:
        families = {family.name for family in text_string_to_metric_families(await response.text())}
    assert all(name.startswith("gateway_") for name in families)
    assert {
        "gateway_requests", "gateway_request_duration_seconds", "gateway_requests_active", "gateway_upstream_errors",
        "gateway_throttled_requests", "gateway_capture_dropped", "gateway_route_reloads", "gateway_routes",
        "gateway_route_healthy",
    } <= families  # fmt: skip


async def test_an_upstream_timeout_is_counted_by_kind(
    routes_dir: Path, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    handler = {"type": "ClientHandler", "config": {"soTimeout": "0.1 s"}}
    write_route(routes_dir, "10-slow.json", path_route("slow", "/slow", handler, base=upstream.url))
    async with running_gateway(routes_dir) as gw:
        assert await send(http, gw.url + "/slow?delay=2") == 504
        samples = await scrape(http, gw.admin)
    assert sample(samples, "gateway_upstream_errors_total", route="slow", kind="timeout") == 1
    assert sample(samples, "gateway_requests_total", route="slow", method="GET", status_class="5xx") == 1


async def test_an_upstream_that_hangs_up_is_counted_as_closed(routes_dir: Path, http: aiohttp.ClientSession) -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    write_route(
        routes_dir, "10-rude.json", path_route("rude", "/rude", "ClientHandler", base=f"http://127.0.0.1:{port}")
    )
    try:
        async with running_gateway(routes_dir) as gw:
            assert await send(http, gw.url + "/rude") == 502
            samples = await scrape(http, gw.admin)
    finally:
        server.close()
        await server.wait_closed()
    assert sample(samples, "gateway_upstream_errors_total", route="rude", kind="closed") == 1
