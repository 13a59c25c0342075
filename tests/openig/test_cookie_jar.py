"""CookieFilter's managed cookies: kept on the gateway between requests, never shown to the browser."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from tests.openig.harness import serve_file
from tests.support.fixtures import Serve


async def test_managed_cookies_go_back_to_the_application_but_never_to_the_browser(
    serve: Serve, http: aiohttp.ClientSession, app_url: str
) -> None:
    gateway = await serve_file(serve, "13-cookie-filter-manage-default.json", app_url)
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
    gateway = await serve_file(serve, "13-cookie-filter-manage-default.json", app_url)
    async with http.get(f"{gateway.url}/cookies") as response:
        await response.read()
    async with http.get(f"{gateway.url}/next", headers={"Cookie": "gateway-cookie-jar=guessed"}) as response:
        assert (await response.json())["cookies"] == {}
