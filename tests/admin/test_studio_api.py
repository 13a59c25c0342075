"""The studio's admin API: read, validate, deploy and undeploy route files, and every refusal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from gateway.admin.api import add_admin_routes
from gateway.admin.files import digest, render
from gateway.app import create_services
from gateway.runtime import RUNTIME, make_runtime
from gateway.settings import Settings
from tests.support.gateway import GatewayHandle, write_route
from tests.support.studio import Api, studio_gateway, throttled_route


async def test_deploy_writes_the_file_loads_the_route_and_serves_it(
    api: Api, studio: GatewayHandle, http: aiohttp.ClientSession
) -> None:
    status, body = await api.deploy("60-limited.json", throttled_route("/limited"))
    assert status == 200, body
    assert body["state"]["state"] == "loaded"
    text = (studio.routes_dir / "60-limited.json").read_text(encoding="utf-8")
    assert text == body["text"] == render(throttled_route("/limited"))
    assert body["hash"] == digest(text)
    statuses = []
    for _ in range(3):
        async with http.get(f"{studio.url}/limited") as response:
            statuses.append(response.status)
    assert statuses == [200, 200, 429]


async def test_written_route_is_stably_formatted_and_passes_gateway_check(api: Api, studio: GatewayHandle) -> None:
    route = {"handler": "ClientHandler", "comment": "payments", "baseURI": "http://127.0.0.1:9", "name": "pay"}
    status, _ = await api.deploy("70-pay.json", route)
    assert status == 200
    text = (studio.routes_dir / "70-pay.json").read_text(encoding="utf-8")
    assert list(json.loads(text)) == ["name", "comment", "baseURI", "handler"]
    assert text.endswith("}\n") and '\n  "name": "pay",\n' in text
    _, validated = await api.call("POST", "/admin/api/validate", {"file": "70-pay.json", "text": text})
    assert validated["text"] == text
    check = subprocess.run(
        [sys.executable, "-m", "gateway", "check", str(studio.routes_dir / "70-pay.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr


async def test_read_answers_the_text_hash_and_state(api: Api, studio: GatewayHandle) -> None:
    write_route(studio.routes_dir, "10-a.json", throttled_route("/a"))
    studio.runtime.routes.refresh()
    body = await api.read("10-a.json")
    assert body["hash"] == digest(body["text"])
    assert (body["route"]["name"], body["state"]["state"]) == ("a", "loaded")


async def test_routes_list_shows_condition_capabilities_and_changes_on_disk(routes_dir: Path, tmp_path: Path) -> None:
    write_route(routes_dir, "10-a.json", throttled_route("/a"))
    runtime = make_runtime(create_services(Settings.model_validate({"routes": str(routes_dir)})))
    app = web.Application()
    app[RUNTIME] = runtime
    add_admin_routes(app)
    runtime.routes.load_all()
    async with TestClient(TestServer(app)) as client:
        (entry,) = (await (await client.get("/admin/api/routes")).json())["routes"]
        assert entry["condition"] == "${startsWith(request.uri.path, '/a')}"
        assert entry["capabilities"] == ["capture", "throttling", "statistics"]
        assert entry["changedOnDisk"] is False
        # Written with no watcher running: the list must say that the disk differs from what serves.
        write_route(routes_dir, "10-a.json", throttled_route("/b"))
        (entry,) = (await (await client.get("/admin/api/routes")).json())["routes"]
        assert entry["changedOnDisk"] is True


async def test_validate_reports_the_linters_messages_with_json_paths(api: Api) -> None:
    route = throttled_route("/a")
    route["heap"][0]["config"]["rate"]["duration"] = "10 q"
    status, body = await api.call("POST", "/admin/api/validate", {"file": "10-a.json", "route": route})
    assert status == 200 and body["valid"] is False
    assert any(e["path"].startswith("$.heap[0].config.rate.duration") for e in body["errors"]), body


async def test_validate_reports_bad_json_by_line(api: Api) -> None:
    status, body = await api.call("POST", "/admin/api/validate", {"text": '{\n  "name": "x",\n  "baseURI": ]\n}'})
    assert status == 200 and "line 3" in body["errors"][0]["message"]


async def test_invalid_route_is_refused_with_400_and_nothing_written(api: Api, studio: GatewayHandle) -> None:
    status, body = await api.deploy("10-bad.json", {"name": "bad", "handler": {"type": "NoSuchHandler"}})
    assert status == 400 and body["error"] == "invalid_route"
    assert any("NoSuchHandler" in e["message"] for e in body["errors"])
    assert list(studio.routes_dir.iterdir()) == []


@pytest.mark.parametrize("name", ["../escape.json", "..%2Fescape.json", ".hidden.json", "a/b.json", "x.txt", "a..json"])
async def test_file_names_outside_the_routes_folder_are_refused(api: Api, studio: GatewayHandle, name: str) -> None:
    status, body = await api.deploy(name, throttled_route("/a"))
    assert status in (400, 404), body
    assert not list(studio.routes_dir.parent.glob("escape.json"))
    assert list(studio.routes_dir.iterdir()) == []


async def test_stale_deploy_is_refused_when_the_file_changed_on_disk(api: Api, studio: GatewayHandle) -> None:
    await api.deploy("10-a.json", throttled_route("/a"))
    opened = await api.read("10-a.json")
    write_route(studio.routes_dir, "10-a.json", throttled_route("/other"))
    status, body = await api.deploy("10-a.json", throttled_route("/mine"), If_Match=f'"{opened["hash"]}"')
    assert (status, body["error"]) == (412, "stale")
    assert "changed on disk" in body["message"]
    assert "/other" in (studio.routes_dir / "10-a.json").read_text(encoding="utf-8")


async def test_deploy_over_an_existing_file_needs_its_hash(api: Api) -> None:
    await api.deploy("10-a.json", throttled_route("/a"))
    assert (await api.deploy("10-a.json", throttled_route("/b")))[0] == 412
    status, _ = await api.call("PUT", "/admin/api/files/10-a.json", {"route": throttled_route("/b")})
    assert status == 428
    opened = await api.read("10-a.json")
    status, body = await api.deploy("10-a.json", throttled_route("/b"), If_Match=opened["hash"])
    assert status == 200 and "/b" in body["text"]


async def test_undeploy_keeps_the_file_in_undeployed_and_drops_the_route(api: Api, studio: GatewayHandle) -> None:
    await api.deploy("10-a.json", throttled_route("/a"))
    opened = await api.read("10-a.json")
    status, body = await api.call("DELETE", "/admin/api/files/10-a.json", If_Match=opened["hash"])
    assert status == 200, body
    assert not (studio.routes_dir / "10-a.json").exists()
    kept = studio.routes_dir / body["keptAs"]
    assert kept.read_text(encoding="utf-8") == opened["text"]
    assert studio.runtime.routes.table.by_name("a") is None


async def test_undeploy_of_a_stale_file_is_refused(api: Api, studio: GatewayHandle) -> None:
    await api.deploy("10-a.json", throttled_route("/a"))
    status, body = await api.call("DELETE", "/admin/api/files/10-a.json", If_Match=digest("something else"))
    assert (status, body["error"]) == (412, "stale")
    assert (studio.routes_dir / "10-a.json").exists()


async def test_a_checked_draft_adds_nothing_to_the_serving_gateway(
    tmp_path: Path, routes_dir: Path, http: aiohttp.ClientSession
) -> None:
    corp = {"issuer": "http://127.0.0.1:9", "clientId": "gateway", "clientSecret": "secret"}
    heap = [{"name": "corp", "type": "OidcProvider", "config": corp}]
    async with studio_gateway(tmp_path, routes_dir, heap=heap) as gateway:
        api = await Api(http, gateway.admin).start()
        draft = {
            "name": "dev",
            "baseURI": "http://127.0.0.1:9",
            "heap": [{"name": "d", "type": "DeviceFlowFilter", "config": {"provider": "corp"}}],
            "handler": {"type": "Chain", "config": {"filters": ["d"], "handler": "ClientHandler"}},
        }
        _, checked = await api.call("POST", "/admin/api/validate", {"route": draft})
        assert checked["valid"], checked
        # Building the draft's device filter must not open the device endpoints of the live gateway.
        async with http.post(f"{gateway.url}/oauth2/device/authorize", data={"scope": "openid"}) as response:
            assert response.status == 404
