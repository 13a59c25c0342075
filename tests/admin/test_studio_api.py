"""The studio's admin API: read, validate, deploy and undeploy route files, and every refusal."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from gateway.admin.api import add_admin_routes
from gateway.admin.files import digest, render
from gateway.app import create_services
from gateway.keys import RUNTIME
from gateway.runtime import make_runtime
from gateway.settings import Settings
from tests.admin.studio_support import Api, studio_gateway, throttled_route
from tests.support.gateway import GatewayHandle, running_gateway, write_route


@pytest.fixture
async def gateway(tmp_path: Path, routes_dir: Path) -> AsyncIterator[GatewayHandle]:
    async with studio_gateway(tmp_path, routes_dir) as handle:
        yield handle


@pytest.fixture
async def api(gateway: GatewayHandle, http: aiohttp.ClientSession) -> Api:
    return await Api(http, gateway.admin).start()


async def test_deploy_writes_the_file_loads_the_route_and_serves_it(
    api: Api, gateway: GatewayHandle, http: aiohttp.ClientSession
) -> None:
    status, body = await api.deploy("60-limited.json", throttled_route("/limited"))
    assert status == 200, body
    assert body["state"]["state"] == "loaded"
    text = (gateway.routes_dir / "60-limited.json").read_text(encoding="utf-8")
    assert text == body["text"] == render(throttled_route("/limited"))
    assert body["hash"] == digest(text)
    statuses = []
    for _ in range(3):
        async with http.get(f"{gateway.url}/limited") as response:
            statuses.append(response.status)
    assert statuses == [200, 200, 429]


async def test_written_route_is_stably_formatted_and_passes_gateway_check(api: Api, gateway: GatewayHandle) -> None:
    route = {"handler": "ClientHandler", "comment": "payments", "baseURI": "http://127.0.0.1:9", "name": "pay"}
    status, _ = await api.deploy("70-pay.json", route)
    assert status == 200
    text = (gateway.routes_dir / "70-pay.json").read_text(encoding="utf-8")
    assert list(json.loads(text)) == ["name", "comment", "baseURI", "handler"]
    assert text.endswith("}\n") and '\n  "name": "pay",\n' in text
    _, validated = await api.call("POST", "/admin/api/validate", {"file": "70-pay.json", "text": text})
    assert validated["text"] == text
    check = subprocess.run(
        [sys.executable, "-m", "gateway", "check", str(gateway.routes_dir / "70-pay.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr


async def test_read_answers_the_text_hash_and_state(api: Api, gateway: GatewayHandle) -> None:
    write_route(gateway.routes_dir, "10-a.json", throttled_route("/a"))
    gateway.runtime.routes.refresh()
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
    status, body = await api.call("POST", "/admin/api/validate", {"text": '{\n  "name": "x",\n  oops\n}'})
    assert status == 200 and "line 3" in body["errors"][0]["message"]


async def test_invalid_route_is_refused_with_400_and_nothing_written(api: Api, gateway: GatewayHandle) -> None:
    status, body = await api.deploy("10-bad.json", {"name": "bad", "handler": {"type": "NoSuchHandler"}})
    assert status == 400 and body["error"] == "invalid_route"
    assert any("NoSuchHandler" in e["message"] for e in body["errors"])
    assert list(gateway.routes_dir.iterdir()) == []


@pytest.mark.parametrize("name", ["../escape.json", "..%2Fescape.json", ".hidden.json", "a/b.json", "x.txt", "a..json"])
async def test_file_names_outside_the_routes_folder_are_refused(api: Api, gateway: GatewayHandle, name: str) -> None:
    status, body = await api.deploy(name, throttled_route("/a"))
    assert status in (400, 404), body
    assert not list(gateway.routes_dir.parent.glob("escape.json"))
    assert list(gateway.routes_dir.iterdir()) == []


async def test_stale_deploy_is_refused_when_the_file_changed_on_disk(api: Api, gateway: GatewayHandle) -> None:
    await api.deploy("10-a.json", throttled_route("/a"))
    opened = await api.read("10-a.json")
    write_route(gateway.routes_dir, "10-a.json", throttled_route("/other"))
    status, body = await api.deploy("10-a.json", throttled_route("/mine"), If_Match=f'"{opened["hash"]}"')
    assert (status, body["error"]) == (412, "stale")
    assert "changed on disk" in body["message"]
    assert "/other" in (gateway.routes_dir / "10-a.json").read_text(encoding="utf-8")


async def test_deploy_over_an_existing_file_needs_its_hash(api: Api) -> None:
    await api.deploy("10-a.json", throttled_route("/a"))
    assert (await api.deploy("10-a.json", throttled_route("/b")))[0] == 412
    status, _ = await api.call("PUT", "/admin/api/files/10-a.json", {"route": throttled_route("/b")})
    assert status == 428
    opened = await api.read("10-a.json")
    status, body = await api.deploy("10-a.json", throttled_route("/b"), If_Match=opened["hash"])
    assert status == 200 and "/b" in body["text"]


async def test_undeploy_keeps_the_file_in_undeployed_and_drops_the_route(api: Api, gateway: GatewayHandle) -> None:
    await api.deploy("10-a.json", throttled_route("/a"))
    opened = await api.read("10-a.json")
    status, body = await api.call("DELETE", "/admin/api/files/10-a.json", If_Match=opened["hash"])
    assert status == 200, body
    assert not (gateway.routes_dir / "10-a.json").exists()
    kept = gateway.routes_dir / body["keptAs"]
    assert kept.read_text(encoding="utf-8") == opened["text"]
    assert gateway.runtime.routes.table.by_name("a") is None


async def test_undeploy_of_a_stale_file_is_refused(api: Api, gateway: GatewayHandle) -> None:
    await api.deploy("10-a.json", throttled_route("/a"))
    status, body = await api.call("DELETE", "/admin/api/files/10-a.json", If_Match=digest("something else"))
    assert (status, body["error"]) == (412, "stale")
    assert (gateway.routes_dir / "10-a.json").exists()


async def test_state_changing_call_without_the_csrf_token_is_refused(api: Api, gateway: GatewayHandle) -> None:
    api.csrf = ""
    status, body = await api.deploy("10-a.json", throttled_route("/a"))
    assert (status, body["error"]) == (403, "csrf")
    api.csrf = "forged"
    assert (await api.call("POST", "/admin/api/validate", {"route": {}}))[0] == 403
    assert list(gateway.routes_dir.iterdir()) == []


@pytest.mark.parametrize(
    "headers", [{"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {"Origin": "null"}]
)
async def test_cross_origin_state_changing_call_is_refused(
    api: Api, gateway: GatewayHandle, http: aiohttp.ClientSession, headers: dict[str, str]
) -> None:
    sent = {**api.headers(), **headers}
    url = f"{gateway.admin}/admin/api/files/10-a.json"
    async with http.put(url, json={"route": throttled_route("/a")}, headers=sent) as response:
        assert (response.status, (await response.json())["error"]) == (403, "cross_origin")
    assert list(gateway.routes_dir.iterdir()) == []


async def test_body_that_is_not_json_is_refused(api: Api, gateway: GatewayHandle, http: aiohttp.ClientSession) -> None:
    url = f"{gateway.admin}/admin/api/files/10-a.json"
    async with http.put(url, data="route=x", headers={**api.headers(), "Content-Type": "text/plain"}) as response:
        assert response.status == 415


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/studio/"),
        ("GET", "/admin/api/studio"),
        ("POST", "/admin/api/validate"),
        ("GET", "/admin/api/files/10-a.json"),
        ("PUT", "/admin/api/files/10-a.json"),
        ("DELETE", "/admin/api/files/10-a.json"),
        ("POST", "/admin/api/try"),
        ("GET", "/admin/api/routes/a/captures"),
        ("GET", "/admin/api/events"),
    ],
)
async def test_studio_disabled_answers_404(
    routes_dir: Path, http: aiohttp.ClientSession, tmp_path: Path, method: str, path: str
) -> None:
    async with (
        running_gateway(routes_dir, state=str(tmp_path / "state")) as gateway,
        http.request(method, gateway.admin + path, json={}) as response,
    ):
        assert response.status == 404


async def test_token_is_required_when_one_is_set(routes_dir: Path, http: aiohttp.ClientSession, tmp_path: Path) -> None:
    token = "a-studio-token-long-enough"
    async with studio_gateway(tmp_path, routes_dir, studio={"enabled": True, "token": token}) as gateway:
        url = f"{gateway.admin}/admin/api/studio"
        async with http.get(url) as response:
            assert response.status == 401
        async with http.get(url, headers={"Authorization": "Bearer wrong-token-of-some-length"}) as response:
            assert response.status == 401
        async with http.get(url, headers={"Authorization": f"Bearer {token}"}) as response:
            assert response.status == 200


async def test_try_sends_through_the_main_listener_and_captures_show_it(api: Api) -> None:
    await api.deploy("10-a.json", throttled_route("/a", limit=5))
    status, answer = await api.call("POST", "/admin/api/try", {"method": "GET", "path": "/a/x", "headers": {}})
    assert (status, answer["status"], answer["body"]) == (200, 200, "ok\n")
    records: list[str] = []
    for _ in range(200):
        _, body = await api.call("GET", "/admin/api/routes/a/captures")
        records = body["records"]
        if len(records) >= 2:
            break
        await asyncio.sleep(0.05)
    assert "GET" in records[0] and "/a/x" in records[0]


async def test_try_refuses_a_path_that_would_leave_the_main_listener(api: Api) -> None:
    status, body = await api.call("POST", "/admin/api/try", {"path": "//evil.example/x"})
    assert status == 400 and "path" in body["message"]


async def test_event_stream_sends_statistics_and_capture_records(api: Api, gateway: GatewayHandle) -> None:
    await api.deploy("10-a.json", throttled_route("/a", limit=5))
    url = f"{gateway.admin}/admin/api/events?route=a"
    async with api.http.get(url) as stream:
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        await api.call("POST", "/admin/api/try", {"path": "/a/live"})
        seen: set[str] = set()
        stats_total = 0
        async for line in stream.content:
            text = line.decode().strip()
            if text.startswith("event: "):
                kind = text.removeprefix("event: ")
            elif text.startswith("data: "):
                data = json.loads(text.removeprefix("data: "))
                seen.add(kind)
                if kind == "stats" and data["statistics"]:
                    stats_total = max(stats_total, data["statistics"]["responses"]["total"])
            if "capture" in seen and stats_total >= 1:
                break
    assert stats_total >= 1


def test_admin_exposed_without_a_token_is_a_config_error() -> None:
    from gateway.errors import ConfigErrors
    from gateway.settings import load_settings

    with pytest.raises(ConfigErrors) as caught:
        load_settings(None, {"admin": {"listen": "0.0.0.0:8081"}, "studio": {"enabled": True}})
    assert "token" in str(caught.value.errors[0])


async def test_an_open_event_stream_does_not_hold_up_shutdown(
    tmp_path: Path, routes_dir: Path, http: aiohttp.ClientSession
) -> None:
    async with studio_gateway(tmp_path, routes_dir) as gateway:
        stream = await http.get(f"{gateway.admin}/admin/api/events")
        await stream.content.readline()
        # The admin listener would otherwise wait its 60 s shutdown timeout for the stream.
        await asyncio.wait_for(gateway.running.stop(), timeout=20)
        stream.close()


async def test_studio_files_are_served_under_a_strict_content_security_policy(
    gateway: GatewayHandle, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{gateway.admin}/studio/") as response:
        assert response.status == 200 and "text/html" in response.headers["Content-Type"]
        policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy and "unsafe" not in policy
    async with http.get(f"{gateway.admin}/studio/js/main.js") as response:
        assert response.headers["Content-Type"].startswith("text/javascript")
    for missing in ("/studio/nope.js", "/studio/%2e%2e/pyproject.toml", "/studio/js/../../README.md"):
        async with http.get(f"{gateway.admin}{missing}") as response:
            assert response.status == 404, missing
