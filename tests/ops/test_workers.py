"""`gateway serve --workers 2`: one scrape of /metrics, one read of a route's monitoring, return the sums over
both workers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.ops.conftest import Samples, parse_metrics, path_route, sample, static
from tests.routing.waiting import until
from tests.support.gateway import write_route
from tests.support.process import GatewayProcess
from tests.support.upstream import RawResponse, raw_request

REQUESTS = 40


@pytest.mark.slow
async def test_one_scrape_sums_the_requests_of_every_worker(routes_dir: Path) -> None:
    write_route(routes_dir, "10-who.json", path_route("who", "/who", static(200, entity="${env['GATEWAY_WORKER']}")))
    with GatewayProcess(routes_dir, workers=2) as gateway:
        answers = await _until_both_workers_answered(gateway.url)
        # Each worker publishes its counts every second (and the scraped one at once): wait for the sum.
        await until(lambda: _scrape(gateway.admin), lambda s: _requests(s) == len(answers), "both workers' counts")
        scrapes = [await _scrape(gateway.admin) for _ in range(4)]
    assert {answer.status for answer in answers} == {200}
    assert {answer.body for answer in answers} == {b"0", b"1"}
    for samples in scrapes:
        sent = len(answers)
        assert _requests(samples) == sent
        assert sample(samples, "gateway_request_duration_seconds_count", route="who") == sent
        assert sample(samples, "gateway_requests_active", route="who") == 0
        assert sample(samples, "gateway_route_reloads_total", result="loaded") == 2
        assert sample(samples, "gateway_routes", state="loaded") == 1


async def _until_both_workers_answered(url: str) -> list[RawResponse]:
    """At least REQUESTS answers, and more until both workers (the second may start later) have answered."""
    answers: list[RawResponse] = []
    # A new connection each time, so that the kernel spreads them over both workers.
    while len(answers) < REQUESTS or len({a.body for a in answers}) < 2:
        answers.append(await raw_request(url, "/who"))
        assert len(answers) < 5000, "one worker never answered"
    return answers


def _requests(samples: Samples) -> float | None:
    return sample(samples, "gateway_requests_total", route="who", method="GET", status_class="2xx")


async def _scrape(admin: str) -> Samples:
    # A fresh session per scrape: a new connection, which may reach either worker's admin listener.
    async with aiohttp.ClientSession() as http, http.get(f"{admin}/metrics") as response:
        assert response.status == 200
        return parse_metrics(await response.text())


@pytest.mark.slow
async def test_monitoring_sums_the_statistics_of_every_worker(routes_dir: Path) -> None:
    who = path_route("who", "/who", static(200, entity="${env['GATEWAY_WORKER']}"), monitor=True)
    write_route(routes_dir, "10-who.json", who)
    endpoint = {"type": "MonitorEndpointHandler", "config": {}}
    write_route(routes_dir, "20-monitoring.json", path_route("monitoring", "/monitoring", endpoint))
    with GatewayProcess(routes_dir, workers=2) as gateway:
        answers = await _until_both_workers_answered(gateway.url)
        sent = len(answers)
        # Each worker shares its statistics every second: wait until several reads (each reaching either
        # worker) all give the sum, then read it again and again.
        await until(_reads(gateway.admin), lambda reads: all(s["responses"]["total"] == sent for s in reads), "sum")
        reads = [await _route_stats(gateway.admin) for _ in range(4)]
        endpoints = [await _endpoint_stats(gateway.url) for _ in range(4)]
    for stats in [*reads, *endpoints]:
        assert stats["requests"] == {"total": sent, "active": 0}
        assert stats["responses"]["total"] == stats["responses"]["success"] == sent
        assert stats["responseTime"]["percentiles"]["0.99"] >= stats["responseTime"]["median"] > 0


def _reads(admin: str) -> Callable[[], Awaitable[list[dict[str, Any]]]]:
    async def reads() -> list[dict[str, Any]]:
        return [await _route_stats(admin) for _ in range(6)]

    return reads


async def _route_stats(admin: str) -> dict[str, Any]:
    # A fresh session per read: a new connection, which may reach either worker.
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{admin}/admin/api/routes/who/monitoring") as response,
    ):
        assert response.status == 200
        stats: dict[str, Any] = await response.json()
        return stats


async def _endpoint_stats(url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, http.get(f"{url}/monitoring") as response:
        assert response.status == 200
        stats: dict[str, Any] = (await response.json())["who"]
        return stats
