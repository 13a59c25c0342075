"""CookieFilter's managed cookies: kept on the gateway between requests, never shown to the browser."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.openig.harness import route_text
from tests.openig.legacy_app import legacy_app
from tests.support.fixtures import Serve


@pytest.fixture
async def app_url(aiohttp_server: Any) -> AsyncIterator[str]:
    server = await aiohttp_server(legacy_app())
    yield str(server.make_url("")).rstrip("/")


async def test_managed_cookies_go_back_to_the_application_but_never_to_the_browser(
    serve: Serve, http: aiohttp.ClientSession, app_url: str
) -> None:
    name = "13-cookie-filter-manage-default.json"
    gateway = await serve(**{name: route_text(name, app_url)})
    async with http.get(f"{gateway.url}/cookies", headers={"Cookie": "browser=b"}) as response:
        jar = response.cookies["gateway-cookie-jar"].value
        first = await response.json()
    assert first["cookies"] == {}
    async with http.get(f"{gateway.url}/next", headers={"Cookie": f"gateway-cookie-jar={jar}"}) as response:
        second = await response.json()
        assert "Set-Cookie" not in response.headers
    assert second["cookies"] == {"app": "1", "tracker": "2"}


async def test_another_browser_does_not_get_the_managed_cookies(
    serve: Serve, http: aiohttp.ClientSession, app_url: str, routes_dir: Path
) -> None:
    name = "13-cookie-filter-manage-default.json"
    gateway = await serve(**{name: route_text(name, app_url)})
    async with http.get(f"{gateway.url}/cookies") as response:
        await response.read()
    async with http.get(f"{gateway.url}/next", headers={"Cookie": "gateway-cookie-jar=guessed"}) as response:
        assert (await response.json())["cookies"] == {}
