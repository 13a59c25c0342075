"""Route health from the last minute's responses, in /admin/api/routes and as gateway_route_healthy."""

from __future__ import annotations

import aiohttp

from tests.ops.conftest import route_list, sample, scrape, send
from tests.support.gateway import GatewayHandle


async def test_a_burst_of_5xx_makes_a_route_unhealthy(gateway: GatewayHandle, http: aiohttp.ClientSession) -> None:
    for _ in range(9):
        assert await send(http, gateway.url + "/flaky") == 503
    # Nine failures are too few to judge by.
    assert (await route_list(http, gateway))["flaky"]["health"] == "healthy"
    assert await send(http, gateway.url + "/flaky") == 503
    routes = await route_list(http, gateway)
    assert routes["flaky"]["health"] == "unhealthy"
    assert routes["plain"]["health"] == "healthy"
    samples = await scrape(http, gateway.admin)
    assert sample(samples, "gateway_route_healthy", route="flaky") == 0
    assert sample(samples, "gateway_route_healthy", route="plain") == 1


async def test_upstream_errors_count_against_health_past_one_half(
    gateway: GatewayHandle, http: aiohttp.ClientSession
) -> None:
    for _ in range(6):
        assert await send(http, gateway.url + "/shop/ok") == 200
        assert await send(http, gateway.url + "/shop/down") == 502
    # Exactly half failed: still healthy.
    assert (await route_list(http, gateway))["shop"]["health"] == "healthy"
    assert await send(http, gateway.url + "/shop/down") == 502
    assert (await route_list(http, gateway))["shop"]["health"] == "unhealthy"
    assert sample(await scrape(http, gateway.admin), "gateway_route_healthy", route="shop") == 0


async def test_client_errors_do_not_make_a_route_unhealthy(gateway: GatewayHandle, http: aiohttp.ClientSession) -> None:
    for _ in range(12):
        assert await send(http, gateway.url + "/shop/missing") == 404
    assert (await route_list(http, gateway))["shop"]["health"] == "healthy"
