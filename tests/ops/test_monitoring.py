"""GET /admin/api/routes/<name>/monitoring after a known sequence of requests through a real gateway."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from tests.ops.conftest import monitoring, path_route, route_list, send, shop_route, static
from tests.routing.waiting import until
from tests.support.gateway import GatewayHandle, write_route
from tests.support.upstream import Upstream

# (method, path, expected status, how many)
SEQUENCE = [
    ("GET", "/shop/ok", 200, 3),
    ("POST", "/shop/ok", 200, 2),
    ("PROPFIND", "/shop/ok", 200, 1),
    ("GET", "/shop/moved", 301, 2),
    ("GET", "/shop/missing", 404, 4),
    ("GET", "/shop/broken", 503, 1),
    ("GET", "/shop/down", 502, 2),
]


async def run_sequence(http: aiohttp.ClientSession, gateway: GatewayHandle) -> None:
    """Send SEQUENCE, checking each status on the way."""
    for method, path, status, count in SEQUENCE:
        for _ in range(count):
            assert await send(http, gateway.url + path, method) == status, (method, path)


async def test_counts_by_kind_of_response_are_exact(gateway: GatewayHandle, http: aiohttp.ClientSession) -> None:
    await run_sequence(http, gateway)
    status, stats = await monitoring(http, gateway, "shop")
    assert status == 200
    assert stats["requests"] == {"total": 15, "active": 0}
    assert stats["responses"] == {
        "total": 15, "info": 0, "success": 6, "redirect": 2, "clientError": 4, "serverError": 1, "other": 0,
        "errors": 2, "null": 0,
    }  # fmt: skip


async def test_response_times_and_throughput_have_openig_shape(
    gateway: GatewayHandle, http: aiohttp.ClientSession
) -> None:
    await run_sequence(http, gateway)
    stats = (await monitoring(http, gateway, "shop"))[1]
    assert set(stats) == {"requests", "responses", "throughput", "responseTime"}
    assert set(stats["throughput"]) == {"mean", "lastMinute", "last5Minutes", "last15Minutes"}
    assert stats["throughput"]["mean"] > 0
    times = stats["responseTime"]
    assert set(times) == {"mean", "median", "standardDeviation", "total", "percentiles"}
    assert list(times["percentiles"]) == ["0.5", "0.9", "0.99"]
    p50, p90, p99 = times["percentiles"].values()
    assert 0 < p50 <= p90 <= p99
    assert times["median"] == p50
    assert times["total"] >= times["mean"] > 0
    assert times["standardDeviation"] >= 0


async def test_percentiles_follow_the_route_setting(gateway: GatewayHandle, http: aiohttp.ClientSession) -> None:
    await send(http, gateway.url + "/flaky")
    stats = (await monitoring(http, gateway, "flaky"))[1]
    assert list(stats["responseTime"]["percentiles"]) == ["0.75"]
    assert stats["responses"]["serverError"] == 1


async def test_unknown_and_unmonitored_routes_are_404(gateway: GatewayHandle, http: aiohttp.ClientSession) -> None:
    for name in ("nosuchroute", "plain", "quiet"):
        status, body = await monitoring(http, gateway, name)
        assert status == 404, name
        assert body["error"] == "not_found"
        assert name in body["message"]


async def test_a_monitored_route_without_traffic_reports_zeros(
    gateway: GatewayHandle, http: aiohttp.ClientSession
) -> None:
    stats = (await monitoring(http, gateway, "lazy"))[1]
    assert stats["requests"] == {"total": 0, "active": 0}
    assert stats["responses"]["total"] == 0
    assert stats["responseTime"]["percentiles"] == {"0.5": 0.0, "0.9": 0.0, "0.99": 0.0}


async def test_statistics_survive_a_reload_of_the_route_file(
    gateway: GatewayHandle, http: aiohttp.ClientSession, upstream: Upstream
) -> None:
    for _ in range(3):
        assert await send(http, gateway.url + "/shop/ok") == 200
    before = (await route_list(http, gateway))["shop"]["loadedAt"]
    edited = {**shop_route(upstream.url, "http://127.0.0.1:9"), "comment": "edited"}
    write_route(gateway.routes_dir, "10-shop.json", edited)
    await until(lambda: route_list(http, gateway), lambda r: r["shop"]["loadedAt"] > before, "the reload")
    assert await send(http, gateway.url + "/shop/ok") == 200
    stats = (await monitoring(http, gateway, "shop"))[1]
    assert stats["requests"]["total"] == 4
    assert stats["responses"]["success"] == 4


async def test_a_client_gone_before_its_response_counts_as_null(
    gateway: GatewayHandle, http: aiohttp.ClientSession, upstream: Upstream
) -> None:
    host, port = gateway.url.removeprefix("http://").split(":")
    _, writer = await asyncio.open_connection(host, int(port))
    writer.write(f"GET /slow?delay=1 HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    await writer.drain()
    await until(lambda: _seen(upstream), lambda paths: "/slow?delay=1" in paths, "the upstream to get the request")
    active = (await monitoring(http, gateway, "lazy"))[1]["requests"]
    writer.close()
    await writer.wait_closed()
    stats = await until(lambda: _stats(http, gateway), lambda s: s["responses"]["total"] == 1, "the exchange to end")
    assert active == {"total": 1, "active": 1}
    assert stats["responses"]["null"] == 1
    assert stats["responses"]["success"] == 0


async def _seen(upstream: Upstream) -> list[str]:
    return upstream.paths


async def _stats(http: aiohttp.ClientSession, gateway: GatewayHandle) -> Any:
    return (await monitoring(http, gateway, "lazy"))[1]


async def test_monitoring_can_be_turned_off_and_on_by_a_reload(
    gateway: GatewayHandle, http: aiohttp.ClientSession
) -> None:
    assert await send(http, gateway.url + "/flaky") == 503

    async def reload_with(monitor: object) -> None:
        before = (await route_list(http, gateway))["flaky"]["loadedAt"]
        write_route(gateway.routes_dir, "20-flaky.json", path_route("flaky", "/flaky", static(503), monitor))
        await until(lambda: route_list(http, gateway), lambda r: r["flaky"]["loadedAt"] > before, "the reload")

    await reload_with(False)
    assert await send(http, gateway.url + "/flaky") == 503
    assert (await monitoring(http, gateway, "flaky"))[0] == 404
    await reload_with(True)
    assert await send(http, gateway.url + "/flaky") == 503
    stats = (await monitoring(http, gateway, "flaky"))[1]
    # The request served while monitoring was off is not in the statistics; the others are.
    assert stats["requests"] == {"total": 2, "active": 0}
    assert stats["responses"]["serverError"] == 2
