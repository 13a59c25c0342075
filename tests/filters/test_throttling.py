"""ThrottlingFilter through a real gateway: exact limits, 429 headers, shared Redis counters."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.support.gateway import running_gateway, write_route
from tests.support.process import GatewayProcess
from tests.support.redis_server import RedisServer
from tests.support.upstream import Upstream, proxy_route


def throttled_route(rate: dict[str, Any] | None = None, **config: Any) -> dict[str, Any]:
    """A route answering 200 behind a ThrottlingFilter."""
    filter_config = {"rate": rate or {"numberOfRequests": 5, "duration": "1 minute"}, **config}
    return {
        "name": "limited",
        "condition": "${startsWith(request.uri.path, '/limited')}",
        "handler": {
            "type": "Chain",
            "config": {
                "filters": [{"type": "ThrottlingFilter", "config": filter_config}],
                "handler": {"type": "StaticResponseHandler", "config": {"status": 200, "entity": "ok"}},
            },
        },
    }


async def statuses(
    http: aiohttp.ClientSession, url: str, count: int, headers: dict[str, str] | None = None
) -> list[int]:
    async def one() -> int:
        async with http.get(url, headers=headers) as response:
            await response.read()
            return response.status

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def test_limit_holds_exactly_under_concurrent_requests(routes_dir: Path, http: aiohttp.ClientSession) -> None:
    write_route(routes_dir, "10-limited.json", throttled_route({"numberOfRequests": 7, "duration": "1 minute"}))
    async with running_gateway(routes_dir) as gw:
        got = await statuses(http, f"{gw.url}/limited", 40)
    assert got.count(200) == 7
    assert got.count(429) == 33


async def test_refusal_carries_retry_after_and_ratelimit_fields(routes_dir: Path, http: aiohttp.ClientSession) -> None:
    write_route(routes_dir, "10-limited.json", throttled_route({"numberOfRequests": 2, "duration": "10 s"}))
    async with running_gateway(routes_dir) as gw:
        for _ in range(2):
            async with http.get(f"{gw.url}/limited") as ok:
                assert ok.status == 200
                assert ok.headers["RateLimit-Policy"] == '"default";q=2;w=10'
        async with http.get(f"{gw.url}/limited", headers={"Accept": "application/json"}) as refused:
            body = await refused.json()
            assert refused.status == 429
            assert 1 <= int(refused.headers["Retry-After"]) <= 5  # one token per 5 s, rounded up
            assert refused.headers["RateLimit"].startswith('"default";r=0;t=')
            assert body["error"] == "rate_limited"
        async with http.get(f"{gw.url}/limited", headers={"Accept": "text/html"}) as page:
            assert page.status == 429
            assert page.content_type == "text/html"
        async with http.get(f"{gw.admin}/metrics") as metrics:
            assert 'gateway_throttled_requests_total{route="limited"} 2.0' in await metrics.text()


async def test_groups_have_separate_buckets(routes_dir: Path, http: aiohttp.ClientSession) -> None:
    route = throttled_route(
        {"numberOfRequests": 2, "duration": "1 minute"}, requestGroupingPolicy="${request.headers['X-Client'][0]}"
    )
    write_route(routes_dir, "10-limited.json", route)
    async with running_gateway(routes_dir) as gw:
        a = await statuses(http, f"{gw.url}/limited", 4, {"X-Client": "a"})
        b = await statuses(http, f"{gw.url}/limited", 4, {"X-Client": "b"})
    assert a.count(200) == 2 and b.count(200) == 2


async def test_mapped_policy_chooses_the_rate_per_request(routes_dir: Path, http: aiohttp.ClientSession) -> None:
    policy = {
        "type": "MappedThrottlingPolicy",
        "config": {
            "throttlingRateMapper": "${request.headers['X-Plan'][0]}",
            "throttlingRatesMapping": {
                "gold": {"numberOfRequests": 4, "duration": "1 minute"},
                "silver": {"numberOfRequests": 2, "duration": "1 minute"},
            },
            "defaultRate": {"numberOfRequests": 1, "duration": "1 minute"},
        },
    }
    route = throttled_route(None, throttlingRatePolicy=policy)
    del route["handler"]["config"]["filters"][0]["config"]["rate"]
    write_route(routes_dir, "10-limited.json", route)
    async with running_gateway(routes_dir) as gw:
        gold = await statuses(http, f"{gw.url}/limited", 6, {"X-Plan": "gold"})
        silver = await statuses(http, f"{gw.url}/limited", 6, {"X-Plan": "silver"})
        other = await statuses(http, f"{gw.url}/limited", 3)
    assert (gold.count(200), silver.count(200), other.count(200)) == (4, 2, 1)


async def test_bucket_refills_after_waiting(routes_dir: Path, http: aiohttp.ClientSession) -> None:
    write_route(routes_dir, "10-limited.json", throttled_route({"numberOfRequests": 2, "duration": "500 ms"}))
    async with running_gateway(routes_dir) as gw:
        assert (await statuses(http, f"{gw.url}/limited", 3)).count(200) == 2
        for _ in range(50):  # poll with a deadline instead of asserting a time
            await asyncio.sleep(0.1)
            if (await statuses(http, f"{gw.url}/limited", 1)) == [200]:
                break
        else:
            pytest.fail("the bucket never refilled")


BAD_CONFIGS = [
    (
        {"rate": {"numberOfRequests": -1, "duration": "1 s"}},
        "$.handler.config.filters[0].config.rate.numberOfRequests",
        "greater than 0",
    ),
    (
        {"rate": {"numberOfRequests": 1, "duration": "0 s"}},
        "$.handler.config.filters[0].config.rate.duration",
        "positive",
    ),
    (
        {"rate": {"numberOfRequests": 1, "duration": "10 q"}},
        "$.handler.config.filters[0].config.rate.duration",
        "is not a duration",
    ),
    ({}, "$.handler.config.filters[0].config", "exactly one of 'rate' or 'throttlingRatePolicy'"),
    (
        {"rate": {"numberOfRequests": 1, "duration": "1 s"}, "onStoreError": "maybe"},
        "$.handler.config.filters[0].config.onStoreError",
        "allow",
    ),
    (
        {
            "throttlingRatePolicy": {
                "type": "MappedThrottlingPolicy",
                "config": {
                    "throttlingRateMapper": "${request.method}",
                    "throttlingRatesMapping": {"GET": {"numberOfRequests": "many"}},
                },
            }
        },
        "throttlingRatesMapping.GET.numberOfRequests",
        "integer",
    ),
    (
        {"throttlingRatePolicy": {"type": "HeaderFilter", "config": {"messageType": "REQUEST"}}},
        "$.handler.config.filters[0].config.throttlingRatePolicy",
        "expected a MappedThrottlingPolicy",
    ),
]


@pytest.mark.parametrize(("config", "path", "phrase"), BAD_CONFIGS)
def test_bad_throttling_config_names_its_path(tmp_path: Path, config: dict[str, Any], path: str, phrase: str) -> None:
    from gateway.lint import check_paths

    route = throttled_route()
    route["handler"]["config"]["filters"][0]["config"] = config
    file = write_route(tmp_path, "10-limited.json", route)
    messages = [str(e) for e in check_paths([file], None)]
    assert any(path in m and phrase in m and "10-limited.json" in m for m in messages), messages


@pytest.mark.slow
async def test_two_gateway_processes_share_one_limit_through_redis(tmp_path: Path, routes_dir: Path) -> None:
    write_route(routes_dir, "10-limited.json", throttled_route({"numberOfRequests": 10, "duration": "1 minute"}))
    with RedisServer() as redis:
        config = {"store": {"redis": {"url": redis.url}}}
        with GatewayProcess(routes_dir, config=config) as one, GatewayProcess(routes_dir, config=config) as two:
            async with aiohttp.ClientSession() as http:
                got = await asyncio.gather(
                    statuses(http, f"{one.url}/limited", 15), statuses(http, f"{two.url}/limited", 15)
                )
    allowed = [s for batch in got for s in batch if s == 200]
    assert len(allowed) == 10


@pytest.mark.slow
async def test_workers_of_one_gateway_share_redis_limit(tmp_path: Path, routes_dir: Path) -> None:
    write_route(routes_dir, "10-limited.json", throttled_route({"numberOfRequests": 6, "duration": "1 minute"}))
    with (
        RedisServer() as redis,
        GatewayProcess(routes_dir, config={"store": {"redis": {"url": redis.url}}}, workers=2) as gw,
    ):
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
            got = await statuses(http, f"{gw.url}/limited", 20)
    assert got.count(200) == 6


@pytest.mark.parametrize(("policy", "expected"), [("allow", 200), ("deny", 503)])
async def test_redis_stopped_mid_test_follows_on_store_error(
    routes_dir: Path, http: aiohttp.ClientSession, policy: str, expected: int
) -> None:
    route = throttled_route({"numberOfRequests": 100, "duration": "1 minute"}, onStoreError=policy)
    write_route(routes_dir, "10-limited.json", route)
    with RedisServer() as redis:
        async with running_gateway(routes_dir, store={"redis": {"url": redis.url}}) as gw:
            assert await statuses(http, f"{gw.url}/limited", 2) == [200, 200]
            redis.stop()
            assert await statuses(http, f"{gw.url}/limited", 3) == [expected] * 3
            async with http.get(f"{gw.admin}/metrics") as metrics:
                assert 'gateway_store_errors_total{feature="throttling"} 3.0' in await metrics.text()
            redis.start()
            for _ in range(40):  # the breaker retries the store after a second
                await asyncio.sleep(0.1)
                async with http.get(f"{gw.url}/limited") as response:
                    if "RateLimit" in response.headers:
                        break
            else:
                pytest.fail("throttling never used Redis again after it came back")


async def test_a_proxied_answer_carries_the_ratelimit_fields_and_its_own(
    routes_dir: Path, http: aiohttp.ClientSession, upstream: Upstream
) -> None:
    route = proxy_route(upstream.url)
    throttle = {"type": "ThrottlingFilter", "config": {"rate": {"numberOfRequests": 3, "duration": "1 minute"}}}
    route["handler"] = {"type": "Chain", "config": {"filters": [throttle], "handler": route["handler"]}}
    write_route(routes_dir, "10-proxied.json", route)
    async with running_gateway(routes_dir) as gw:
        for left in (2, 1):
            async with http.get(f"{gw.url}/x") as answer:
                assert answer.status == 200
                assert answer.headers["RateLimit-Policy"] == '"default";q=3;w=60'
                assert answer.headers["RateLimit"].startswith(f'"default";r={left};t=')
                assert answer.headers.getall("Set-Cookie") == ["a=1; Path=/", "b=2; Path=/"]
