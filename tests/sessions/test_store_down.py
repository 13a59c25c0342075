"""Redis going away under a running gateway and coming back: sessions fail closed with 503 (the
revocation list cannot be trusted while the store is away), throttling follows `onStoreError`,
and both recover without a restart once Redis answers again."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from idp.driver import login
from tests.support.login_support import COOKIE, html_browser, idp_provider, login_gateway, login_route, real_idp
from tests.support.polling import eventually
from tests.support.redis_server import RedisServer
from tests.support.upstream import Upstream

pytestmark = pytest.mark.slow


def _limited(upstream: str) -> dict[str, Any]:
    """/limited behind a generous ThrottlingFilter that lets traffic through while the store is away."""
    throttle = {"rate": {"numberOfRequests": 1000, "duration": "1 minute"}, "onStoreError": "allow"}
    chain = {"filters": [{"type": "ThrottlingFilter", "config": throttle}], "handler": "ClientHandler"}
    return {
        "name": "limited",
        "baseURI": upstream,
        "condition": "${startsWith(request.uri.path, '/limited')}",
        "handler": {"type": "Chain", "config": chain},
    }


async def _get(url: str, cookie: str = "") -> tuple[int, str, bool]:
    """Status, body and whether the answer carried RateLimit (the store counted it)."""
    headers = {"Cookie": cookie, "Accept": "application/json"} if cookie else {}
    async with aiohttp.ClientSession() as client, client.get(url, headers=headers) as response:
        return response.status, await response.text(), "RateLimit" in response.headers


async def test_sessions_fail_closed_while_redis_is_away_and_recover_without_a_restart(
    tmp_path: Path, port: int, upstream: Upstream
) -> None:
    routes = {"10-app.json": login_route(upstream.url, ["corp"]), "20-limited.json": _limited(upstream.url)}
    with real_idp(f"http://127.0.0.1:{port}") as idp, RedisServer() as redis:
        store = {"redis": {"url": redis.url}}
        async with (
            login_gateway(tmp_path, port, [idp_provider("corp", idp)], routes, store=store) as gateway,
            html_browser() as browser,
        ):
            await login(browser, gateway.url + "/app/page", "alice")
            cookie = "; ".join(f"{c.key}={c.value}" for c in browser.cookie_jar if c.key.startswith(COOKIE))
            app, limited = gateway.url + "/app/page", gateway.url + "/limited"
            assert (await _get(app, cookie))[0] == 200
            redis.stop()
            # The revocation feed notices the broken connection at once: no session is trusted.
            await eventually(lambda: _answers(app, cookie, 503, "session_store_unavailable"), "a 503 refusal")
            assert await _answers(limited, "", 200, "")  # onStoreError: allow
            await asyncio.to_thread(redis.start)  # same port, empty: nothing to restore but the connection
            await eventually(lambda: _answers(app, cookie, 200, ""), "the session served again")
            await eventually(lambda: _counted(limited), "throttling counted in Redis again")


async def _answers(url: str, cookie: str, status: int, text: str) -> bool:
    got, body, _ = await _get(url, cookie)
    return got == status and text in body


async def _counted(url: str) -> bool:
    return (await _get(url))[2]
