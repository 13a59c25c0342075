"""The condition builder in the browser: it writes an expression, reads its own back, and shows
any other expression as raw."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.support.gateway import GatewayHandle
from tests.support.studio import studio_gateway

pytestmark = pytest.mark.slow


@pytest.fixture
async def gateway(tmp_path: Path, routes_dir: Path) -> AsyncIterator[GatewayHandle]:
    async with studio_gateway(tmp_path, routes_dir) as handle:
        yield handle


async def condition(page: Page) -> str:
    return str(json.loads(await page.locator("#json").input_value()).get("condition"))


async def test_builder_writes_an_expression_and_a_hand_written_one_shows_as_raw(
    gateway: GatewayHandle, page: Page
) -> None:
    await page.goto(f"{gateway.admin}/studio/")
    await expect(page.get_by_label("Expression", exact=True)).to_be_hidden()
    await page.get_by_label("Path prefix").fill("/api")
    await page.get_by_label("Methods").fill("get, post")
    await page.get_by_label("Header name").fill("X-Tenant")
    await page.get_by_label("Header value").fill("o'brien")
    expected = (
        "${startsWith(request.uri.path, '/api') && (request.method == 'GET' || request.method == 'POST')"
        " && request.headers['X-Tenant'][0] == 'o\\'brien'}"
    )
    assert await condition(page) == expected
    await expect(page.locator("#json-errors")).to_contain_text("No problems")

    route = json.loads(await page.locator("#json").input_value())
    route["condition"] = "${request.uri.path == '/exact' || empty(request.headers['X-A'])}"
    await page.locator("#json").fill(json.dumps(route, indent=2))
    await expect(page.get_by_label("Expression", exact=True)).to_have_value(route["condition"])
    await expect(page.get_by_label("Raw expression")).to_be_checked()
    await expect(page.get_by_label("Path prefix")).to_be_hidden()

    await page.get_by_label("Builder").check()
    await page.get_by_label("Path prefix").fill("/back")
    assert await condition(page) == "${startsWith(request.uri.path, '/back')}"
