"""A route file that fails to load never hands its traffic to a later route.

For every kind of failure, at start-up and on reload, a broken `10-rs.json` sits before a catch-all
that proxies everything to a real upstream: requests for `/rs` answer 503 and never reach the
upstream. A file whose condition is known refuses only its own requests; one whose condition is
unknown refuses every request reaching its position."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from gateway.filters.headers import HeaderFilter
from tests.routing.test_reload import admin_routes
from tests.routing.waiting import until
from tests.support.gateway import GatewayHandle, running_gateway, write_route
from tests.support.upstream import Upstream, proxy_route

PROTECTED = "${startsWith(request.uri.path, '/rs')}"
GOOD = {"condition": PROTECTED, "handler": {"type": "StaticResponseHandler", "config": {"status": 401}}}


def protected(**changes: Any) -> dict[str, Any]:
    """The protected route with some keys changed."""
    return {**GOOD, **changes}


def chain(*filters: Any) -> dict[str, Any]:
    return {"type": "Chain", "config": {"filters": list(filters), "handler": "ClientHandler"}}


@dataclass
class Broken:
    """One way for 10-rs.json to fail, whether its condition is still known, and the error's JSON path."""

    id: str
    content: dict[str, Any] | str | bytes
    known: bool
    path: str


CONDITION = json.dumps(PROTECTED)
KINDS = [
    Broken("bad JSON", '{"condition": ' + CONDITION + ', "handler": ', False, "$"),
    Broken("empty file", "", False, "$"),
    Broken("JSON nested too deeply", "[" * 100_000 + "]" * 100_000, False, "$"),
    Broken("not UTF-8", b'{"condition": "\xff"}', False, "$"),
    Broken("top level not an object", json.dumps([GOOD]), False, "$"),
    Broken("unknown name in the condition", protected(condition="${startsWith(requst.uri.path, '/rs')}"), False,
           "$.condition"),
    Broken("condition syntax error", protected(condition="${startsWith(request.uri.path, '/rs'}"), False,
           "$.condition"),
    Broken("condition not a string", protected(condition=5), False, "$.condition"),
    Broken("unknown type", protected(handler={"type": "StaticResponseHandlr"}), True, "$.handler.type"),
    Broken("bad config value", protected(handler={"type": "StaticResponseHandler", "config": {"status": "x"}}),
           True, "$.handler.config.status"),
    Broken("unknown config property", protected(handler={"type": "ClientHandler", "config": {"soTimout": "1 s"}}),
           True, "$.handler.config.soTimout"),
    Broken("unknown heap reference", protected(handler="protectedChain"), True, "$.handler"),
    Broken("build error in a filter", protected(handler=chain(
        {"type": "HeaderFilter", "config": {"messageType": "REQUEST", "add": {"X-User": ["${identity.sub"]}}})),
        True, "$.handler.config.filters[0].config.add.X-User[0]"),
    Broken("bad duration in a filter", protected(handler=chain({"type": "ThrottlingFilter", "config": {
        "rate": {"numberOfRequests": 1, "duration": "10 q"}}})), True, "$.handler.config.filters[0].config.rate"),
    Broken("authentication filter without its provider", protected(handler=chain(
        {"type": "BearerTokenFilter", "config": {"provider": "corp"}})), True, "$.handler.config.filters[0]"),
    Broken("unknown top-level property", {"condition": PROTECTED, "hander": GOOD["handler"]}, True, "$.hander"),
    Broken("missing handler", {"condition": PROTECTED}, True, "$.handler"),
    Broken("bad baseURI", protected(baseURI="upstream:8080"), True, "$.baseURI"),
    Broken("name used by another file", protected(name="catch-all"), True, "$.name"),
]  # fmt: skip


def _write(routes: Path, content: dict[str, Any] | str | bytes) -> None:
    if isinstance(content, bytes):
        (routes / ".10-rs.json.tmp").write_bytes(content)
        (routes / ".10-rs.json.tmp").replace(routes / "10-rs.json")
    else:
        write_route(routes, "10-rs.json", content)


async def _get(http: aiohttp.ClientSession, url: str) -> tuple[int, str]:
    async with http.get(url) as response:
        return response.status, await response.text()


async def _assert_fails_closed(
    gateway: GatewayHandle, upstream: Upstream, http: aiohttp.ClientSession, kind: Broken
) -> None:
    upstream.seen.clear()
    status, body = await _get(http, f"{gateway.url}/rs/data")
    assert status == 503
    # Nothing of the configuration reaches the client: the admin API and the log hold the reason.
    assert "10-rs" not in body and "$." not in body and json.loads(body)["request_id"]
    other, _ = await _get(http, f"{gateway.url}/other")
    assert other == (200 if kind.known else 503)
    assert [p for p in upstream.paths if p.startswith("/rs")] == []
    entry = (await admin_routes(http, gateway))["10-rs.json"]
    assert (entry["state"], entry["mode"]) == ("fail-closed", "refuse-condition" if kind.known else "refuse-position")
    assert any(e["path"].startswith(kind.path) for e in entry["errors"]), entry["errors"]


@pytest.fixture
def routes(routes_dir: Path, upstream: Upstream) -> Path:
    """The routes folder, holding a catch-all route behind the one under test."""
    write_route(routes_dir, "90-catch-all.json", {**proxy_route(upstream.url), "name": "catch-all"})
    return routes_dir


# At start-up files load in name order, so of two files with one name the earlier one keeps it.
AT_START_UP = [k for k in KINDS if k.id != "name used by another file"]


@pytest.mark.parametrize("kind", AT_START_UP, ids=[k.id for k in AT_START_UP])
async def test_at_start_up_a_broken_route_answers_503_and_never_reaches_the_upstream(
    routes: Path, upstream: Upstream, http: aiohttp.ClientSession, kind: Broken
) -> None:
    _write(routes, kind.content)
    async with running_gateway(routes) as gateway:
        await _assert_fails_closed(gateway, upstream, http, kind)


@pytest.mark.parametrize("kind", KINDS, ids=[k.id for k in KINDS])
async def test_on_reload_a_new_broken_route_answers_503_and_never_reaches_the_upstream(
    routes: Path, upstream: Upstream, http: aiohttp.ClientSession, kind: Broken
) -> None:
    async with running_gateway(routes) as gateway:
        assert (await _get(http, f"{gateway.url}/rs/data"))[0] == 200
        _write(routes, kind.content)
        await until(lambda: admin_routes(http, gateway), lambda s: "10-rs.json" in s, "the broken file")
        await _assert_fails_closed(gateway, upstream, http, kind)


@pytest.mark.parametrize("kind", KINDS, ids=[k.id for k in KINDS])
async def test_on_reload_a_broken_edit_keeps_the_last_good_version(
    routes: Path, upstream: Upstream, http: aiohttp.ClientSession, kind: Broken
) -> None:
    write_route(routes, "10-rs.json", GOOD)
    async with running_gateway(routes) as gateway:
        _write(routes, kind.content)
        state = await until(
            lambda: admin_routes(http, gateway), lambda s: s["10-rs.json"]["state"] == "failed", "the broken edit"
        )
        assert state["10-rs.json"]["mode"] == "last-good"
        upstream.seen.clear()
        assert (await _get(http, f"{gateway.url}/rs/data"))[0] == 401
        assert (await _get(http, f"{gateway.url}/other"))[0] == 200
        assert upstream.paths == ["/other"]


@pytest.mark.parametrize("reload", [False, True], ids=["start-up", "reload"])
async def test_a_builder_that_raises_fails_its_file_closed_not_the_reload(
    routes: Path, upstream: Upstream, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch, reload: bool
) -> None:
    # Stands for a bug in one type's from_config: an exception instead of a recorded error.
    def broken(cls: type, config: Any, ctx: Any) -> Any:
        raise RuntimeError("bug while building")

    monkeypatch.setattr(HeaderFilter, "from_config", classmethod(broken))
    route = protected(handler=chain({"type": "HeaderFilter", "config": {"messageType": "REQUEST"}}))
    if not reload:
        write_route(routes, "10-rs.json", route)
    async with running_gateway(routes) as gateway:
        if reload:
            write_route(routes, "10-rs.json", route)
            await until(lambda: admin_routes(http, gateway), lambda s: "10-rs.json" in s, "the broken file")
        await _assert_fails_closed(gateway, upstream, http, Broken("raises", route, True, "$"))
        message = (await admin_routes(http, gateway))["10-rs.json"]["errors"][0]["message"]
        assert message == "the route could not be built: RuntimeError: bug while building"
