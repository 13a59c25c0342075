"""The routes list in the browser: each file's state, with the errors of one that failed to load."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.support.gateway import GatewayHandle, write_route
from tests.support.studio import studio_gateway, throttled_route

pytestmark = pytest.mark.slow


@pytest.fixture
async def gateway(tmp_path: Path, routes_dir: Path) -> AsyncIterator[GatewayHandle]:
    write_route(routes_dir, "10-good.json", throttled_route("/good"))
    broken = throttled_route("/broken")
    broken["heap"][0]["config"]["rate"]["duration"] = "10 q"
    write_route(routes_dir, "20-broken.json", broken)
    async with studio_gateway(tmp_path, routes_dir) as handle:
        yield handle


async def test_the_list_shows_states_and_the_errors_of_a_failed_file(gateway: GatewayHandle, page: Page) -> None:
    await page.goto(f"{gateway.admin}/studio/")
    good = page.locator("#routes-table tr[data-file='10-good.json']")
    broken = page.locator("#routes-table tr[data-file='20-broken.json']")
    await expect(good.locator(".state")).to_have_text("loaded")
    await expect(broken.locator(".state")).to_contain_text("fail-closed")
    await expect(broken.locator(".route-errors")).to_contain_text("$.heap[0].config.rate.duration")
    await expect(good).to_contain_text("capture, throttling, statistics")
    await broken.get_by_role("button", name="Open broken").click()
    await expect(page.locator("#f-duration")).to_have_value("10 q")
    await expect(page.locator("#e-throttling")).to_contain_text("is not a duration")
