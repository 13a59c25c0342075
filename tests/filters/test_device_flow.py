"""Device login brokered by the gateway (RFC 8628) against the real provider: the token a script
gets reaches the upstream as an identity, every error path of the token endpoint, and the pace
of the gateway's own polls of the provider."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from gateway.oauth.device import poll_token
from gateway.oauth.discovery import discover
from gateway.oauth.errors import TokenRefused
from gateway.sessions.model import SessionEnded
from idp.driver import IdP, approve_device, browser
from idp.flows import REDIRECT_URI
from idp.tokens import api_jwt
from tests.support.auth_routes import header
from tests.support.device_client import device_gateway, device_login, poll, start
from tests.support.gateway import GatewayHandle
from tests.support.idp_proxy import CountingProxy, proxied_idp
from tests.support.upstream import Upstream

INTERVAL = 5  # the provider announces no interval: RFC 8628's default


@pytest.fixture(scope="module")
def provider_proxy() -> Iterator[tuple[IdP, CountingProxy]]:
    """One real provider for the module, behind a proxy counting its token requests."""
    with proxied_idp(redirect_uris=[REDIRECT_URI]) as pair:
        yield pair


@pytest.fixture(scope="module")
def short_lived() -> Iterator[IdP]:
    """A provider whose device codes live 2 seconds."""
    with IdP(redirect_uris=[REDIRECT_URI], ttl={"DeviceCode": 2}) as idp:
        yield idp


@pytest.fixture
def idp(provider_proxy: tuple[IdP, CountingProxy]) -> IdP:
    return provider_proxy[0]


@pytest.fixture
def proxy(provider_proxy: tuple[IdP, CountingProxy]) -> CountingProxy:
    return provider_proxy[1]


@pytest.fixture
async def gateway(
    idp: IdP, short_lived: IdP, upstream: Upstream, routes_dir: Path, tmp_path: Path
) -> AsyncIterator[GatewayHandle]:
    providers = {"idp": idp, "short": short_lived}
    async with device_gateway(routes_dir, tmp_path / "state", upstream.url, providers) as handle:
        yield handle


def _token_requests(proxy: CountingProxy) -> int:
    return proxy.count("POST", "/token")


async def test_device_login_from_a_script_reaches_the_upstream_as_the_user(
    idp: IdP, proxy: CountingProxy, gateway: GatewayHandle, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    before = _token_requests(proxy)
    token = await device_login(http, gateway.url, idp, "dana")
    assert _token_requests(proxy) - before == 1
    headers = {"Authorization": f"Bearer {token}", "X-User": "mallory"}
    async with http.get(f"{gateway.url}/dev-idp/files", headers=headers) as response:
        assert response.status == 200
        record = await response.json()
    assert header(record, "X-User") == ["dana"]
    assert header(record, "X-Email") == ["dana@example.com"]
    assert header(record, "X-Method") == ["device"]
    assert header(record, "Authorization") == [], "the gateway token reached the upstream"


async def test_answer_carries_a_gateway_handle_not_the_providers_device_code(
    idp: IdP, gateway: GatewayHandle, http: aiohttp.ClientSession
) -> None:
    grant = await start(http, gateway.url, scope="openid email")
    assert set(grant) >= {"device_code", "user_code", "verification_uri", "expires_in", "interval"}
    assert grant["verification_uri"] == f"{idp.issuer}/device"
    assert grant["verification_uri_complete"].startswith(f"{idp.issuer}/device?user_code=")
    assert grant["interval"] == INTERVAL
    metadata = await discover(http, idp.issuer)
    with pytest.raises(TokenRefused) as refused:
        await poll_token(http, metadata.token_endpoint, idp.web_client, grant["device_code"])
    assert refused.value.error == "invalid_grant"


@pytest.mark.slow
async def test_pending_until_approved_then_a_token_after_one_interval(
    idp: IdP, proxy: CountingProxy, gateway: GatewayHandle, http: aiohttp.ClientSession
) -> None:
    before = _token_requests(proxy)
    grant = await start(http, gateway.url)
    assert await poll(http, gateway.url, grant["device_code"]) == (400, {"error": "authorization_pending"})
    async with browser() as person:
        await approve_device(person, idp, grant["user_code"], "erin")
    await asyncio.sleep(grant["interval"] + 0.2)
    status, answer = await poll(http, gateway.url, grant["device_code"])
    assert status == 200
    assert answer["token_type"] == "Bearer" and answer["expires_in"] > 0
    assert _token_requests(proxy) - before == 2
    # The handle is spent: the next poll is refused.
    assert (await poll(http, gateway.url, grant["device_code"]))[1]["error"] == "invalid_grant"


@pytest.mark.slow
async def test_polling_faster_than_the_interval_slows_down_with_five_more_seconds(
    gateway: GatewayHandle, http: aiohttp.ClientSession
) -> None:
    grant = await start(http, gateway.url)
    handle = grant["device_code"]
    assert (await poll(http, gateway.url, handle))[1]["error"] == "authorization_pending"
    assert (await poll(http, gateway.url, handle))[1]["error"] == "slow_down"
    # The interval is now 5 + 5 s: waiting the first interval is too fast.
    await asyncio.sleep(INTERVAL + 0.6)
    assert (await poll(http, gateway.url, handle))[1]["error"] == "slow_down"


@pytest.mark.slow
async def test_gateway_polls_the_provider_once_per_interval_however_the_client_hammers(
    proxy: CountingProxy, gateway: GatewayHandle, http: aiohttp.ClientSession
) -> None:
    grant = await start(http, gateway.url)
    handle = grant["device_code"]
    before, started = _token_requests(proxy), time.monotonic()
    burst = await asyncio.gather(*(poll(http, gateway.url, handle) for _ in range(20)))
    answers = [answer["error"] for _, answer in burst]
    while time.monotonic() - started < INTERVAL + 1.5:
        answers.append((await poll(http, gateway.url, handle))[1]["error"])
        await asyncio.sleep(0.1)
    elapsed = time.monotonic() - started
    polls = _token_requests(proxy) - before
    assert 1 <= polls <= int(elapsed // INTERVAL) + 1
    assert set(answers) <= {"authorization_pending", "slow_down"}
    assert "slow_down" in answers


async def test_denied_login_answers_access_denied_on_every_poll(
    idp: IdP, gateway: GatewayHandle, http: aiohttp.ClientSession
) -> None:
    grant = await start(http, gateway.url)
    async with browser() as person:
        await approve_device(person, idp, grant["user_code"], "frank", deny=True)
    for _ in range(2):
        assert await poll(http, gateway.url, grant["device_code"]) == (400, {"error": "access_denied"})


async def test_expired_code_answers_expired_token(gateway: GatewayHandle, http: aiohttp.ClientSession) -> None:
    grant = await start(http, gateway.url, provider="short")
    assert grant["expires_in"] == 2
    await asyncio.sleep(2.2)
    assert await poll(http, gateway.url, grant["device_code"]) == (400, {"error": "expired_token"})


async def test_revoked_device_session_token_is_refused_and_its_end_published(
    idp: IdP, gateway: GatewayHandle, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    token = await device_login(http, gateway.url, idp, "gina")
    headers = {"Authorization": f"Bearer {token}"}
    async with http.get(f"{gateway.url}/dev-idp/x", headers=headers) as response:
        assert response.status == 200
    services = gateway.runtime.services
    ended: list[SessionEnded] = []
    services.events.subscribe(ended.append)
    [listed] = await services.sessions.list_subject("gina", idp.issuer)
    assert listed["method"] == "device"
    assert await services.sessions.end(listed["sid"], reason="admin_revoked", initiator="admin")
    async with http.get(f"{gateway.url}/dev-idp/x", headers=headers) as response:
        assert response.status == 401
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="gateway", error="invalid_token"'
    assert len(upstream.seen) == 1
    assert [(e.session_id, e.subject, e.reason, e.initiator) for e in ended] == [
        (listed["sid"], "gina", "admin_revoked", "admin")
    ]


async def test_route_without_a_token_names_the_device_endpoints(
    gateway: GatewayHandle, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{gateway.url}/dev-idp/x") as response:
        assert response.status == 401
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="gateway"'
        body = await response.json()
    assert body["device_authorization_endpoint"] == f"{gateway.url}/oauth2/device/authorize"
    assert body["token_endpoint"] == f"{gateway.url}/oauth2/device/token"
    assert upstream.seen == []


async def test_unknown_token_is_an_invalid_token(
    gateway: GatewayHandle, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{gateway.url}/dev-idp/x", headers={"Authorization": "Bearer not-a-session"}) as response:
        assert response.status == 401
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="gateway", error="invalid_token"'
    assert upstream.seen == []


async def test_device_token_and_provider_jwt_both_pass_a_bearer_then_device_group(
    idp: IdP, gateway: GatewayHandle, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    for token, method in (
        (await device_login(http, gateway.url, idp, "hana"), "device"),
        (await api_jwt(idp, "hana"), "bearer"),
    ):
        async with http.get(f"{gateway.url}/mixed/x", headers={"Authorization": f"Bearer {token}"}) as response:
            assert response.status == 200
        assert header(upstream.seen[-1], "X-Method") == [method]
        assert header(upstream.seen[-1], "X-User") == ["hana"]


async def test_device_session_of_one_provider_is_not_accepted_for_another(
    idp: IdP, gateway: GatewayHandle, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    token = await device_login(http, gateway.url, idp, "ivan")
    async with http.get(f"{gateway.url}/dev-short/x", headers={"Authorization": f"Bearer {token}"}) as response:
        assert response.status == 401
    assert upstream.seen == []
