"""Access token refresh for browser sessions against the real provider (behind a counting proxy):
once per session under 50 concurrent requests, and a refused refresh ends the session cleanly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from gateway.sessions.model import SessionEnded
from idp.driver import IdP, login, web_client_metadata
from tests.support.gateway import GatewayHandle
from tests.support.idp_proxy import CountingProxy, proxied_idp
from tests.support.login_support import (
    BACKCHANNEL,
    CALLBACK,
    LOGOUT,
    html_browser,
    idp_provider,
    login_gateway,
    login_route,
)
from tests.support.process import free_port
from tests.support.upstream import Upstream

pytestmark = pytest.mark.slow

# The provider's access tokens live 6 s and the gateway refreshes 4 s before expiry: a token is due
# 2 s after it was issued, and a fresh one is not due again for as long.
TOKEN_TTL = 6
REFRESH_BEFORE = "4 s"
DUE_AFTER = 2.3


@pytest.fixture(scope="module")
def provider_and_proxy() -> Iterator[tuple[int, IdP, CountingProxy]]:
    """The gateway's port, and the real provider behind a proxy that counts token requests."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    client = web_client_metadata(
        [url + CALLBACK], post_logout_redirect_uris=[url + LOGOUT], backchannel_logout_uri=url + BACKCHANNEL
    )
    with proxied_idp(clients=[client], ttl={"AccessToken": TOKEN_TTL}) as (idp, proxy):
        yield port, idp, proxy


@pytest.fixture
async def gateway(
    tmp_path: Path, provider_and_proxy: tuple[int, IdP, CountingProxy], upstream: Upstream
) -> AsyncIterator[GatewayHandle]:
    port, idp, _ = provider_and_proxy
    scopes = ["openid", "email", "profile", "offline_access"]
    heap = [idp_provider("corp", idp, scopes=scopes, authorizeParams={"prompt": "consent"})]
    route = login_route(upstream.url, ["corp"], passAccessToken=True, refreshBefore=REFRESH_BEFORE)
    async with login_gateway(tmp_path, port, heap, {"10-app.json": route}) as handle:
        yield handle


def _bearer(record: dict[str, object]) -> str:
    headers = dict(record["headers"])  # type: ignore[call-overload]
    return str(headers["Authorization"])


async def _get(browser: aiohttp.ClientSession, url: str) -> int:
    async with browser.get(url, allow_redirects=False) as response:
        await response.read()
        return response.status


async def test_fifty_concurrent_requests_refresh_the_token_once(
    gateway: GatewayHandle, provider_and_proxy: tuple[int, IdP, CountingProxy], upstream: Upstream
) -> None:
    _, _, proxy = provider_and_proxy
    async with html_browser() as browser:
        await login(browser, gateway.url + "/app/start", "alice")
        issued = _bearer(upstream.seen[-1])
        await asyncio.sleep(DUE_AFTER)
        before = proxy.count("POST", "/token")
        statuses = await asyncio.gather(*(_get(browser, f"{gateway.url}/app/{i}") for i in range(50)))
        assert statuses == [200] * 50
        assert proxy.count("POST", "/token") == before + 1
        refreshed = {_bearer(r) for r in upstream.seen[-50:]}
        assert len(refreshed) == 1 and refreshed != {issued}
        assert await _get(browser, gateway.url + "/app/after") == 200
        assert _bearer(upstream.seen[-1]) in refreshed
    assert proxy.count("POST", "/token") == before + 1


async def test_a_refused_refresh_ends_the_session_and_sends_the_browser_to_log_in(
    gateway: GatewayHandle, provider_and_proxy: tuple[int, IdP, CountingProxy], upstream: Upstream
) -> None:
    _, idp, _ = provider_and_proxy
    ended: list[SessionEnded] = []
    gateway.runtime.services.events.subscribe(ended.append)
    async with html_browser() as browser:
        await login(browser, gateway.url + "/app/start", "alice")
        # The provider keeps grants in memory: a restart forgets the refresh token.
        await asyncio.to_thread(idp.rotate_keys, keep_old=True)
        await asyncio.sleep(DUE_AFTER)
        async with browser.get(gateway.url + "/app/later", allow_redirects=False) as response:
            assert response.status == 302
            assert response.headers["Location"].startswith(idp.issuer)
    assert [(e.subject, e.reason) for e in ended] == [("alice", "refresh_failed")]
    assert [r["raw_path"] for r in upstream.seen] == ["/app/start"]
