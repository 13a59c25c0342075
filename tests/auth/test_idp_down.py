"""The real provider going down: during a login (a clear 503 page, nothing half-made, the next try
works once it is back) and during a token refresh (the session kept or ended, as the route says)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from yarl import URL

from gateway.sessions.model import SessionEnded
from idp.driver import login
from tests.support.gateway import GatewayHandle
from tests.support.login_support import (
    CALLBACK,
    COOKIE,
    app_gateway,
    html_browser,
    idp_provider,
    log_in_at,
    login_gateway,
    login_route,
    real_idp,
    session_alive,
    session_cookie_set,
)
from tests.support.upstream import Upstream

pytestmark = pytest.mark.slow

TOKEN_TTL = 3  # seconds the provider's access tokens live in the refresh tests


def _jar(browser: aiohttp.ClientSession, prefix: str) -> list[str]:
    return [c.key for c in browser.cookie_jar if c.key.startswith(prefix) and c.value]


async def _unavailable_page(browser: aiohttp.ClientSession, url: str | URL) -> aiohttp.ClientResponse:
    """GET `url`: a 503 HTML page saying the provider cannot be reached, and no session cookie."""
    async with browser.get(url, allow_redirects=False) as response:
        page = await response.text()
    assert response.status == 503, page
    assert response.content_type == "text/html"
    assert "identity provider cannot be reached" in page and "Traceback" not in page
    assert not session_cookie_set(response.headers)
    return response


async def _logs_in(browser: aiohttp.ClientSession, gateway: GatewayHandle) -> None:
    await log_in_at(browser, gateway.url + "/app/page", "alice")
    assert _jar(browser, COOKIE)


async def test_provider_down_at_the_callback_is_a_503_page_and_the_next_try_works(
    tmp_path: Path, port: int, upstream: Upstream
) -> None:
    with real_idp(f"http://127.0.0.1:{port}") as idp:
        async with app_gateway(tmp_path, port, idp, upstream.url) as gateway, html_browser() as browser:
            callback = await login(browser, gateway.url + "/app/page", "alice", stop_at=gateway.url + CALLBACK)
            assert _jar(browser, "gw_login_")  # the attempt's transaction cookie
            await asyncio.to_thread(idp.stop)
            await _unavailable_page(browser, callback)
            assert not _jar(browser, COOKIE) and not _jar(browser, "gw_login_")
            await asyncio.to_thread(idp.start)  # same port and issuer, its own sessions lost
            await _logs_in(browser, gateway)


async def test_provider_down_before_discovery_is_a_503_page_and_login_works_once_it_is_back(
    tmp_path: Path, port: int, upstream: Upstream
) -> None:
    with real_idp(f"http://127.0.0.1:{port}") as idp:
        await asyncio.to_thread(idp.stop)  # the gateway starts while its provider is away
        async with app_gateway(tmp_path, port, idp, upstream.url) as gateway, html_browser() as browser:
            await _unavailable_page(browser, gateway.url + "/app/page")
            assert not _jar(browser, "gw_login_")
            await asyncio.to_thread(idp.start)
            await asyncio.sleep(5)  # discovery is retried 5 s after a failure
            await _logs_in(browser, gateway)


@pytest.mark.parametrize(("mode", "kept"), [("keep", True), ("end", False)])
async def test_provider_down_at_refresh_keeps_or_ends_the_session_as_configured(
    tmp_path: Path, port: int, upstream: Upstream, mode: str, kept: bool
) -> None:
    with real_idp(f"http://127.0.0.1:{port}", ttl={"AccessToken": TOKEN_TTL}) as idp:
        route = login_route(upstream.url, ["corp"], refreshBefore="1 s", onProviderUnavailable=mode)
        heap = [idp_provider("corp", idp)]
        async with (
            login_gateway(tmp_path, port, heap, {"10-app.json": route}) as gateway,
            html_browser() as browser,
        ):
            ended: list[SessionEnded] = []
            gateway.runtime.services.events.subscribe(ended.append)
            await _logs_in(browser, gateway)
            cookie = "; ".join(f"{c.key}={c.value}" for c in browser.cookie_jar if c.key.startswith(COOKIE))
            await asyncio.to_thread(idp.stop)
            await asyncio.sleep(TOKEN_TTL + 0.5)  # the access token has expired: a refresh is needed
            assert await session_alive(gateway, cookie) is kept
            assert [e.reason for e in ended] == ([] if kept else ["refresh_failed"])
            await asyncio.sleep(1)  # a kept session is not ended by the refresh retried on a later request
            assert await session_alive(gateway, cookie) is kept
