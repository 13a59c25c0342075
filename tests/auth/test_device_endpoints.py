"""The device endpoints' error answers (RFC 6749 5.2, RFC 8628 3.5) for requests that never reach
the provider: wrong grant type, unknown handle, malformed forms, scopes and providers not offered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.support.auth_routes import auth_route, provider
from tests.support.device_client import AUTHORIZE, DEVICE_GRANT, TOKEN, post
from tests.support.gateway import GatewayHandle, running_gateway, write_route
from tests.support.upstream import Upstream, raw_request

# Discovery is lazy: no request in this module gets far enough to contact this issuer.
ISSUER = "http://127.0.0.1:9"


@pytest.fixture
async def gateway(upstream: Upstream, routes_dir: Path, tmp_path: Path) -> AsyncIterator[GatewayHandle]:
    device = ("DeviceFlowFilter", {"provider": "idp", "scopes": ["openid", "email"]})
    write_route(routes_dir, "10-dev.json", auth_route("dev", "/dev", upstream.url, device))
    settings = {"heap": [provider("idp", ISSUER)], "state": str(tmp_path / "state")}
    async with running_gateway(routes_dir, auth={"devicePath": "/login/device"}, **settings) as handle:
        yield handle


TOKEN_ERRORS = [
    ({"grant_type": "authorization_code", "device_code": "x"}, "unsupported_grant_type"),
    ({"device_code": "x"}, "unsupported_grant_type"),
    ({"grant_type": DEVICE_GRANT}, "invalid_request"),
    ({"grant_type": DEVICE_GRANT, "device_code": "never-issued"}, "invalid_grant"),
]


@pytest.mark.parametrize(("form", "error"), TOKEN_ERRORS)
async def test_token_endpoint_refuses_what_is_not_a_known_device_grant(
    gateway: GatewayHandle, http: aiohttp.ClientSession, form: dict[str, str], error: str
) -> None:
    status, answer = await post(http, gateway.url + "/login/device/token", form)
    assert (status, answer["error"]) == (400, error)


@pytest.mark.parametrize(
    ("form", "error"),
    [({"provider": "elsewhere"}, "invalid_request"), ({"scope": "openid admin"}, "invalid_scope")],
)
async def test_authorize_endpoint_refuses_providers_and_scopes_not_offered(
    gateway: GatewayHandle, http: aiohttp.ClientSession, form: dict[str, str], error: str
) -> None:
    status, answer = await post(http, gateway.url + "/login/device/authorize", form)
    assert (status, answer["error"]) == (400, error)


async def test_a_repeated_parameter_is_an_invalid_request(gateway: GatewayHandle) -> None:
    body = f"grant_type={DEVICE_GRANT}&device_code=a&device_code=b".encode()
    headers = [("Content-Type", "application/x-www-form-urlencoded")]
    response = await raw_request(gateway.url, "/login/device/token", method="POST", headers=headers, body=body)
    assert (response.status, response.json()["error"]) == (400, "invalid_request")


async def test_a_json_body_is_an_invalid_request(gateway: GatewayHandle, http: aiohttp.ClientSession) -> None:
    payload = {"grant_type": DEVICE_GRANT, "device_code": "x"}
    async with http.post(gateway.url + "/login/device/token", json=payload) as response:
        assert (response.status, (await response.json())["error"]) == (400, "invalid_request")


async def test_endpoints_answer_post_only(gateway: GatewayHandle, http: aiohttp.ClientSession) -> None:
    async with http.get(gateway.url + "/login/device/authorize") as response:
        assert response.status == 405
        assert response.headers["Allow"] == "POST"


async def test_endpoints_follow_the_configured_device_path(gateway: GatewayHandle, http: aiohttp.ClientSession) -> None:
    async with http.post(gateway.url + TOKEN, data={"grant_type": DEVICE_GRANT}) as response:
        assert response.status == 404
    async with http.get(gateway.url + "/dev/x") as response:
        body = await response.json()
    assert body["device_authorization_endpoint"] == gateway.url + "/login/device/authorize"
    assert AUTHORIZE not in body.values()


async def test_unreachable_provider_is_temporarily_unavailable(
    gateway: GatewayHandle, http: aiohttp.ClientSession
) -> None:
    async with http.post(gateway.url + "/login/device/authorize", data={"scope": "openid"}) as response:
        assert response.status == 503
        assert response.headers["Retry-After"] == "5"
        assert (await response.json())["error"] == "temporarily_unavailable"


async def test_authorizations_past_the_default_rate_are_refused_before_the_provider_is_tried(
    gateway: GatewayHandle, http: aiohttp.ClientSession
) -> None:
    # 10 per minute: each call gets as far as the unreachable provider (503), the 11th does not.
    statuses = [(await post(http, gateway.url + "/login/device/authorize", {}))[0] for _ in range(10)]
    assert statuses == [503] * 10
    async with http.post(gateway.url + "/login/device/authorize", data={}) as response:
        assert response.status == 429
        assert 1 <= int(response.headers["Retry-After"]) <= 6
        assert (await response.json())["error"] == "slow_down"
    # The token endpoint is paced per device code instead, not per address.
    status, answer = await post(http, gateway.url + "/login/device/token", {"grant_type": DEVICE_GRANT})
    assert (status, answer["error"]) == (400, "invalid_request")


async def test_a_null_rate_leaves_the_authorize_endpoint_unlimited(
    upstream: Upstream, routes_dir: Path, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    device = ("DeviceFlowFilter", {"provider": "idp"})
    write_route(routes_dir, "10-dev.json", auth_route("dev", "/dev", upstream.url, device))
    settings = {"heap": [provider("idp", ISSUER)], "state": str(tmp_path / "state")}
    async with running_gateway(routes_dir, auth={"deviceAuthorizeRate": None}, **settings) as gateway:
        statuses = {(await post(http, gateway.url + AUTHORIZE, {}))[0] for _ in range(15)}
    assert statuses == {503}
