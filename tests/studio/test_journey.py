"""The studio in a real browser: build a route from an empty form, deploy it, see the gateway
enforce it, edit its JSON by hand, make and see a mistake, try a request and watch it live, undeploy.

Set STUDIO_SCREENSHOTS to a folder (the README's come from `docs/`) to keep the screens."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Page, expect

from idp.driver import IdP
from tests.support.gateway import GatewayHandle
from tests.support.login_support import idp_provider, real_idp
from tests.support.polling import eventually
from tests.support.process import free_port
from tests.support.studio import shot, start_route
from tests.support.upstream import Upstream

pytestmark = pytest.mark.slow
HTML = {"Accept": "text/html"}


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def idp(port: int) -> Iterator[IdP]:
    with real_idp(f"http://127.0.0.1:{port}") as server:
        yield server


@pytest.fixture
async def gateway(tmp_path: Path, port: int, idp: IdP, upstream: Upstream) -> AsyncIterator[GatewayHandle]:
    from tests.support.studio import studio_gateway

    routes = tmp_path / "routes"
    routes.mkdir()
    heap = [idp_provider("corp", idp, displayName="Corporate login")]
    async with studio_gateway(tmp_path, routes, listen=f"127.0.0.1:{port}", heap=heap) as handle:
        yield handle


async def statuses(http: aiohttp.ClientSession, url: str, count: int) -> list[int]:
    found = []
    for _ in range(count):
        async with http.get(url, headers=HTML, allow_redirects=False) as response:
            found.append(response.status)
    return found


async def build_route(page: Page, upstream: Upstream) -> None:
    """Fill the empty form: a path prefix, an upstream, capture, throttling, statistics, browser login."""
    await start_route(page, "shop", "/shop", upstream.url)
    await page.get_by_role("checkbox", name="Capture", exact=True).check()
    await page.get_by_role("checkbox", name="Throttling", exact=True).check()
    await page.get_by_label("Requests", exact=True).fill("2")
    await page.get_by_role("checkbox", name="Statistics", exact=True).check()
    await page.get_by_role("checkbox", name="Browser login", exact=True).check()
    await page.get_by_label("Login provider").select_option("corp")


async def test_build_deploy_use_edit_try_and_undeploy_a_route(
    gateway: GatewayHandle, page: Page, upstream: Upstream, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    await page.goto(f"{gateway.admin}/studio/")
    await build_route(page, upstream)
    route = json.loads(await page.locator("#json").input_value())
    types = [item["type"] for item in route["heap"]]
    assert types == ["ThrottlingFilter", "OidcLoginFilter"]
    assert (route["capture"], route["monitor"]) == (["request", "response"], True)
    await expect(page.locator("#json-errors")).to_contain_text("No problems")
    await shot(page, "editor")

    await page.get_by_role("button", name="Deploy", exact=True).click()
    await expect(page.locator("#deploy-status")).to_contain_text("Deployed 60-shop.json: loaded")
    await expect(page.locator("#routes-table tr[data-file='60-shop.json'] .state")).to_have_text("loaded")
    await shot(page, "routes")
    assert await statuses(http, f"{gateway.url}/shop/x", 3) == [302, 302, 429]
    async with http.get(f"{gateway.url}/shop/x", headers=HTML, allow_redirects=False) as response:
        assert response.status == 429
    # Capture records are written off the request path: wait for them.
    log_file = tmp_path / "capture" / "route-shop.log"
    await eventually(lambda: _holds(log_file, "GET "), "the capture record of the route")

    # The JSON edited by hand: the form follows, and a key the form does not know survives it.
    text = await page.locator("#json").input_value()
    edited = text.replace('"numberOfRequests": 2', '"numberOfRequests": 5').replace(
        '"requestGroupingPolicy"', '"onStoreError": "deny",\n        "requestGroupingPolicy"'
    )
    await page.locator("#json").fill(edited)
    await expect(page.get_by_label("Requests", exact=True)).to_have_value("5")
    await page.get_by_label("Per duration").fill("10 q")
    await expect(page.locator("#e-throttling")).to_contain_text("$.heap[0].config.rate.duration")
    await expect(page.get_by_label("Per duration")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#json-errors")).to_contain_text("line ")
    assert '"onStoreError": "deny"' in await page.locator("#json").input_value()
    await shot(page, "error", "#f-duration")
    await page.get_by_label("Per duration").fill("1 minute")
    await expect(page.locator("#json-errors")).to_contain_text("No problems")
    await page.get_by_role("button", name="Deploy", exact=True).click()
    await expect(page.locator("#deploy-status")).to_contain_text("Deployed 60-shop.json: loaded")

    # Try a request from the page and watch its capture and the statistics change live.
    await expect(page.locator("dd[data-stat='Requests']")).to_have_text("4")
    await page.get_by_label("Path", exact=True).fill("/shop/tried")
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator("#t-response")).to_contain_text(re.compile(r"^(302|429) "))
    await expect(page.locator("#captures")).to_contain_text("/shop/tried")
    await expect(page.locator("dd[data-stat='Requests']")).to_have_text("5")
    await shot(page, "watch", "#try")

    await page.get_by_role("button", name="Undeploy").click()
    await expect(page.locator("#deploy-status")).to_contain_text("Undeployed 60-shop.json")
    await expect(page.locator("#routes-table tr[data-file='60-shop.json']")).to_have_count(0)
    assert not (gateway.routes_dir / "60-shop.json").exists()


async def _holds(path: Path, text: str) -> bool:
    return path.exists() and text in path.read_text(encoding="utf-8")
