"""Hot reload through a real gateway: route files added, changed, broken and removed while it serves."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
import pytest

from tests.routing.conftest import Get, static_route
from tests.routing.waiting import until
from tests.support.gateway import GatewayHandle, write_route

BROKEN_HANDLER = {"type": "StaticResponseHandlr", "config": {"entity": "never"}}


async def admin_routes(http: aiohttp.ClientSession, gateway: GatewayHandle) -> dict[str, dict[str, Any]]:
    """/admin/api/routes keyed by file."""
    async with http.get(f"{gateway.admin}/admin/api/routes") as response:
        assert response.status == 200
        return {entry["file"]: entry for entry in (await response.json())["routes"]}


async def test_an_added_file_is_served(gateway: GatewayHandle, get: Get) -> None:
    assert (await get("/a"))[0] == 404
    write_route(gateway.routes_dir, "10-a.json", static_route("/a", "first"))
    assert await until(lambda: get("/a"), lambda r: r[0] == 200, "the new route") == (200, "first")


async def test_a_changed_file_changes_behaviour(gateway: GatewayHandle, get: Get) -> None:
    write_route(gateway.routes_dir, "10-a.json", static_route("/a", "first"))
    await until(lambda: get("/a"), lambda r: r == (200, "first"), "the first version")
    write_route(gateway.routes_dir, "10-a.json", static_route("/a", "second"))
    await until(lambda: get("/a"), lambda r: r == (200, "second"), "the second version")


async def test_a_deleted_file_is_gone(gateway: GatewayHandle, get: Get) -> None:
    path = write_route(gateway.routes_dir, "10-a.json", static_route("/a", "first"))
    await until(lambda: get("/a"), lambda r: r[0] == 200, "the route")
    path.unlink()
    await until(lambda: get("/a"), lambda r: r[0] == 404, "the route to go away")


async def test_a_broken_edit_keeps_the_last_good_version(
    gateway: GatewayHandle, get: Get, http: aiohttp.ClientSession
) -> None:
    write_route(gateway.routes_dir, "10-a.json", static_route("/a", "good"))
    await until(lambda: get("/a"), lambda r: r == (200, "good"), "the good version")
    broken = {**static_route("/a", "${request.method ==}")}
    write_route(gateway.routes_dir, "10-a.json", broken)
    state = await until(lambda: admin_routes(http, gateway), lambda s: s["10-a.json"]["state"] == "failed", "failed")
    entry = state["10-a.json"]
    assert entry["errors"][0]["path"] == "$.handler.config.entity"
    assert "unexpected end of expression" in entry["errors"][0]["message"]
    assert entry["lastGoodAt"] is not None and entry["loadedAt"] >= entry["lastGoodAt"]
    assert await get("/a") == (200, "good")


async def test_a_new_broken_file_is_installed_fail_closed(
    gateway: GatewayHandle, get: Get, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="gateway.routes")
    write_route(gateway.routes_dir, "99-catch-all.json", {"handler": static_route("/", "catch-all")["handler"]})
    await until(lambda: get("/new"), lambda r: r == (200, "catch-all"), "the catch-all route")
    condition = "${startsWith(request.uri.path, '/new')}"
    write_route(gateway.routes_dir, "10-new.json", {"condition": condition, "handler": BROKEN_HANDLER})
    _, body = await until(lambda: get("/new"), lambda r: r[0] == 503, "the fail-closed route")
    # The client learns nothing of the configuration; the admin API and the log say what is wrong.
    assert "StaticResponseHandlr" not in body and "10-new" not in body and "request_id" in body
    assert await get("/other") == (200, "catch-all")
    state = await admin_routes(http, gateway)
    assert state["10-new.json"]["state"] == "fail-closed"
    assert state["10-new.json"]["errors"][0]["path"] == "$.handler.type"
    assert 'gateway_routes{state="fail-closed"} 1.0' in await _metrics(http, gateway)
    assert any("10-new.json: installed fail-closed" in r.getMessage() for r in caplog.records)
    assert any("10-new.json: $.handler.type: unknown type" in r.getMessage() for r in caplog.records)


async def test_fixing_a_fail_closed_file_loads_it(
    gateway: GatewayHandle, get: Get, http: aiohttp.ClientSession
) -> None:
    condition = "${startsWith(request.uri.path, '/new')}"
    write_route(gateway.routes_dir, "10-new.json", {"condition": condition, "handler": BROKEN_HANDLER})
    await until(lambda: get("/new"), lambda r: r[0] == 503, "the fail-closed route")
    write_route(gateway.routes_dir, "10-new.json", static_route("/new", "fixed"))
    await until(lambda: get("/new"), lambda r: r == (200, "fixed"), "the fixed route")
    assert (await admin_routes(http, gateway))["10-new.json"]["state"] == "loaded"
    assert 'gateway_routes{state="fail-closed"} 0.0' in await _metrics(http, gateway)


async def test_a_new_file_with_invalid_json_is_reported_and_fails_closed_at_its_position(
    gateway: GatewayHandle, get: Get, http: aiohttp.ClientSession
) -> None:
    write_route(gateway.routes_dir, "10-bad.json", '{"handler": ')
    state = await until(lambda: admin_routes(http, gateway), lambda s: "10-bad.json" in s, "the bad file")
    assert (state["10-bad.json"]["state"], state["10-bad.json"]["mode"]) == ("fail-closed", "refuse-position")
    message = state["10-bad.json"]["errors"][0]["message"]
    assert message.startswith("invalid JSON: the file ends before the object opened at line 1")
    assert (await get("/anything"))[0] == 503


async def test_hidden_and_non_json_files_are_ignored(
    gateway: GatewayHandle, get: Get, http: aiohttp.ClientSession
) -> None:
    write_route(gateway.routes_dir, ".10-a.json", static_route("/a", "hidden"))
    write_route(gateway.routes_dir, "10-a.json.bak", static_route("/a", "backup"))
    write_route(gateway.routes_dir, "20-b.json", static_route("/b", "b"))
    await until(lambda: get("/b"), lambda r: r[0] == 200, "the visible route")
    assert (await get("/a"))[0] == 404
    assert list(await admin_routes(http, gateway)) == ["20-b.json"]


async def _metrics(http: aiohttp.ClientSession, gateway: GatewayHandle) -> str:
    async with http.get(f"{gateway.admin}/metrics") as response:
        return await response.text()


async def test_a_swapped_symlinked_folder_is_reloaded(gateway: GatewayHandle, get: Get) -> None:
    # The layout Kubernetes gives a mounted ConfigMap: files are links through `..data`, swapped at once.
    folder = gateway.routes_dir
    for version in ("v1", "v2"):
        (folder / f"..{version}").mkdir()
        write_route(folder / f"..{version}", "10-a.json", static_route("/a", version))
    (folder / "..data").symlink_to("..v1")
    (folder / "10-a.json").symlink_to("..data/10-a.json")
    await until(lambda: get("/a"), lambda r: r == (200, "v1"), "the first version")
    (folder / "..data_tmp").symlink_to("..v2")
    (folder / "..data_tmp").replace(folder / "..data")
    await until(lambda: get("/a"), lambda r: r == (200, "v2"), "the swapped version")


async def test_a_name_clash_resolves_when_the_other_file_goes(
    gateway: GatewayHandle, get: Get, http: aiohttp.ClientSession
) -> None:
    first = write_route(gateway.routes_dir, "10-a.json", {**static_route("/a", "a"), "name": "same"})
    await until(lambda: get("/a"), lambda r: r == (200, "a"), "the first file")
    write_route(gateway.routes_dir, "20-b.json", {**static_route("/b", "b"), "name": "same"})
    state = await until(lambda: admin_routes(http, gateway), lambda s: "20-b.json" in s, "the clashing file")
    assert state["20-b.json"]["state"] == "fail-closed"
    assert "route name 'same' is already used by 10-a.json" in state["20-b.json"]["errors"][0]["message"]
    assert (await get("/b"))[0] == 503
    first.unlink()
    await until(lambda: get("/b"), lambda r: r == (200, "b"), "the second file once the clash is gone")
