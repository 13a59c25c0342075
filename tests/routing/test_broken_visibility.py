"""What a broken route file shows and what the operator may choose: the skip opt-out, strict start-up,
readiness, the failure metric, the log line and routes an earlier catch-all shadows."""

from __future__ import annotations

import logging
from pathlib import Path

import aiohttp
import pytest

from gateway.errors import ConfigErrors
from tests.routing.conftest import static_route
from tests.routing.test_reload import admin_routes
from tests.routing.waiting import until
from tests.support.gateway import GatewayHandle, running_gateway, write_route
from tests.support.upstream import Upstream, proxy_route

UNKNOWN_CONDITION = {
    "condition": "${startsWith(requst.uri.path, '/rs')}",
    "baseURI": "http://app:8080",
    "handler": "ClientHandler",
}
KNOWN_CONDITION = {"condition": "${startsWith(request.uri.path, '/rs')}", "handler": "nope"}


async def _status(http: aiohttp.ClientSession, url: str) -> int:
    async with http.get(url) as response:
        return response.status


async def _text(http: aiohttp.ClientSession, url: str) -> str:
    async with http.get(url) as response:
        return await response.text()


def _catch_all(routes: Path, upstream: Upstream) -> None:
    write_route(routes, "90-catch-all.json", proxy_route(upstream.url))


async def test_skip_lets_an_unknown_condition_fall_through_and_says_so(
    routes_dir: Path, upstream: Upstream, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="gateway.routes")
    _catch_all(routes_dir, upstream)
    write_route(routes_dir, "10-rs.json", UNKNOWN_CONDITION)
    write_route(routes_dir, "20-known.json", {**KNOWN_CONDITION, "condition": "${request.uri.path == '/known'}"})
    async with running_gateway(routes_dir, routing={"onBrokenRoute": "skip"}) as gateway:
        assert await _status(http, f"{gateway.url}/rs") == 200
        # Skipping concerns only files whose condition is unknown; a known condition still fails closed.
        assert await _status(http, f"{gateway.url}/known") == 503
        state = await admin_routes(http, gateway)
    assert (state["10-rs.json"]["state"], state["10-rs.json"]["mode"]) == ("failed", "skipped")
    assert upstream.paths == ["/rs"]
    assert any("10-rs.json: not installed (routing.onBrokenRoute: skip)" in r.getMessage() for r in caplog.records)


async def test_strict_refuses_to_start_listing_every_failure(routes_dir: Path) -> None:
    write_route(routes_dir, "10-rs.json", UNKNOWN_CONDITION)
    write_route(routes_dir, "20-known.json", KNOWN_CONDITION)
    write_route(routes_dir, "30-good.json", static_route("/good", "good"))
    with pytest.raises(ConfigErrors) as raised:
        async with running_gateway(routes_dir, routing={"strict": True}):
            pass
    found = [(e.file, e.path) for e in raised.value.errors]
    assert found == [("10-rs.json", "$.condition"), ("20-known.json", "$.handler")]


async def test_strict_starts_when_every_route_loads(routes_dir: Path, http: aiohttp.ClientSession) -> None:
    write_route(routes_dir, "30-good.json", static_route("/good", "good"))
    async with running_gateway(routes_dir, routing={"strict": True}) as gateway:
        assert await _text(http, f"{gateway.url}/good") == "good"


async def test_ready_stays_200_and_lists_the_failed_routes(routes_dir: Path, http: aiohttp.ClientSession) -> None:
    write_route(routes_dir, "10-rs.json", UNKNOWN_CONDITION)
    write_route(routes_dir, "20-known.json", KNOWN_CONDITION)
    async with running_gateway(routes_dir) as gateway, http.get(f"{gateway.admin}/ready") as response:
        assert response.status == 200
        assert (await response.json())["failedRoutes"] == [
            {"file": "10-rs.json", "state": "fail-closed", "mode": "refuse-position", "errors": 1},
            {"file": "20-known.json", "state": "fail-closed", "mode": "refuse-condition", "errors": 1},
        ]


async def test_ready_is_503_while_a_route_fails_when_configured_so(
    routes_dir: Path, http: aiohttp.ClientSession
) -> None:
    write_route(routes_dir, "20-known.json", KNOWN_CONDITION)
    async with running_gateway(routes_dir, routing={"readyWhileBroken": False}) as gateway:
        assert await _status(http, f"{gateway.admin}/ready") == 503
        write_route(routes_dir, "20-known.json", static_route("/known", "fixed"))
        await until(lambda: _status(http, f"{gateway.admin}/ready"), lambda s: s == 200, "ready once fixed")


async def _failures(http: aiohttp.ClientSession, gateway: GatewayHandle) -> list[str]:
    text = await _text(http, f"{gateway.admin}/metrics")
    return [line for line in text.splitlines() if line.startswith("gateway_route_failures{")]


async def test_the_failure_metric_is_1_while_a_file_fails_and_0_once_fixed_or_removed(
    routes_dir: Path, http: aiohttp.ClientSession
) -> None:
    write_route(routes_dir, "10-rs.json", UNKNOWN_CONDITION)
    broken = write_route(routes_dir, "20-known.json", KNOWN_CONDITION)
    async with running_gateway(routes_dir) as gateway:
        assert await _failures(http, gateway) == [
            'gateway_route_failures{file="10-rs.json"} 1.0',
            'gateway_route_failures{file="20-known.json"} 1.0',
        ]
        write_route(routes_dir, "10-rs.json", static_route("/rs", "fixed"))
        broken.unlink()
        await until(
            lambda: _failures(http, gateway),
            lambda lines: all(line.endswith(" 0.0") for line in lines),
            "the failures to clear",
        )


async def test_each_error_is_logged_naming_file_and_json_path(
    routes_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="gateway.routes")
    write_route(routes_dir, "10-rs.json", UNKNOWN_CONDITION)
    async with running_gateway(routes_dir):
        pass
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any(
        line.startswith("route file error: 10-rs.json: $.condition: invalid expression") and "'requst'" in line
        for line in lines
    ), lines


async def test_a_placeholder_refuses_what_reaches_it_until_the_file_is_fixed(
    routes_dir: Path, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    write_route(routes_dir, "05-first.json", static_route("/first", "first"))
    _catch_all(routes_dir, upstream)
    async with running_gateway(routes_dir) as gateway:
        write_route(routes_dir, "10-rs.json", '{"condition": ')
        await until(lambda: _status(http, f"{gateway.url}/rs"), lambda s: s == 503, "the placeholder")
        upstream.seen.clear()
        assert await _status(http, f"{gateway.url}/rs") == 503
        # Routes before its position are untouched; everything after it is refused.
        assert await _text(http, f"{gateway.url}/first") == "first"
        assert await _status(http, f"{gateway.url}/other") == 503
        write_route(routes_dir, "10-rs.json", static_route("/rs", "fixed"))
        await until(lambda: _text(http, f"{gateway.url}/rs"), lambda t: t == "fixed", "the fixed file")
        assert await _status(http, f"{gateway.url}/other") == 200
    assert [p for p in upstream.paths if p.startswith("/rs")] == []


async def test_routes_after_a_catch_all_are_reported_shadowed(
    routes_dir: Path, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="gateway.routes")
    write_route(routes_dir, "10-a.json", static_route("/a", "a"))
    write_route(routes_dir, "20-b.json", static_route("/b", "b"))
    async with running_gateway(routes_dir) as gateway:
        write_route(routes_dir, "00-all.json", {**static_route("/", "all"), "condition": "${true}"})
        state = await until(lambda: admin_routes(http, gateway), lambda s: "00-all.json" in s, "the catch-all")
        assert [(f, e["shadowedBy"]) for f, e in state.items()] == [
            ("00-all.json", None),
            ("10-a.json", "00-all.json"),
            ("20-b.json", "00-all.json"),
        ]
    warnings = [r.getMessage() for r in caplog.records if "is never reached" in r.getMessage()]
    why = "its condition '${true}' is always true"
    assert warnings == [
        f"{file} is never reached: 00-all.json comes first and takes every request ({why})"
        for file in ("10-a.json", "20-b.json")
    ]


async def test_a_browser_gets_a_generic_page_with_the_request_id(routes_dir: Path, http: aiohttp.ClientSession) -> None:
    write_route(routes_dir, "20-known.json", KNOWN_CONDITION)
    async with (
        running_gateway(routes_dir) as gateway,
        http.get(f"{gateway.url}/rs", headers={"Accept": "text/html"}) as response,
    ):
        assert response.status == 503
        page, request_id = await response.text(), response.headers["X-Request-Id"]
    assert request_id in page and "temporarily unavailable" in page
    assert "20-known" not in page and "nope" not in page and "$.handler" not in page
