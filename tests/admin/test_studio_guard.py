"""Who may use the studio's API: on only when enabled, a token when one is set, same-origin with the CSRF token."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from tests.support.gateway import GatewayHandle, running_gateway
from tests.support.studio import Api, studio_gateway, throttled_route


async def test_state_changing_call_without_the_csrf_token_is_refused(api: Api, studio: GatewayHandle) -> None:
    api.csrf = ""
    status, body = await api.deploy("10-a.json", throttled_route("/a"))
    assert (status, body["error"]) == (403, "csrf")
    api.csrf = "forged"
    assert (await api.call("POST", "/admin/api/validate", {"route": {}}))[0] == 403
    assert list(studio.routes_dir.iterdir()) == []


@pytest.mark.parametrize(
    "headers", [{"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {"Origin": "null"}]
)
async def test_cross_origin_state_changing_call_is_refused(
    api: Api, studio: GatewayHandle, http: aiohttp.ClientSession, headers: dict[str, str]
) -> None:
    sent = {**api.headers(), **headers}
    url = f"{studio.admin}/admin/api/files/10-a.json"
    async with http.put(url, json={"route": throttled_route("/a")}, headers=sent) as response:
        assert (response.status, (await response.json())["error"]) == (403, "cross_origin")
    assert list(studio.routes_dir.iterdir()) == []


async def test_body_that_is_not_json_is_refused(api: Api, studio: GatewayHandle, http: aiohttp.ClientSession) -> None:
    url = f"{studio.admin}/admin/api/files/10-a.json"
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


def test_admin_exposed_without_a_token_is_a_config_error() -> None:
    from gateway.errors import ConfigErrors
    from gateway.settings import load_settings

    with pytest.raises(ConfigErrors) as caught:
        load_settings(None, {"admin": {"listen": "0.0.0.0:8081"}, "studio": {"enabled": True}})
    assert "token" in str(caught.value.errors[0])


async def test_studio_files_are_served_under_a_strict_content_security_policy(
    studio: GatewayHandle, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{studio.admin}/studio/") as response:
        assert response.status == 200 and "text/html" in response.headers["Content-Type"]
        policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy and "unsafe" not in policy
    async with http.get(f"{studio.admin}/studio/js/main.js") as response:
        assert response.headers["Content-Type"].startswith("text/javascript")
    for missing in ("/studio/nope.js", "/studio/%2e%2e/pyproject.toml", "/studio/js/../../README.md"):
        async with http.get(f"{studio.admin}{missing}") as response:
            assert response.status == 404, missing
