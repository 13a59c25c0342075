"""Export from the studio: the downloaded and the copied text are the bytes a deploy writes."""

from __future__ import annotations

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


async def test_downloaded_and_copied_routes_are_byte_identical_to_the_deployed_file(
    gateway: GatewayHandle, page: Page, tmp_path: Path
) -> None:
    await page.goto(f"{gateway.admin}/studio/")
    await page.get_by_label("Name", exact=True).fill("exported")
    await page.get_by_label("Path prefix").fill("/exported")
    await page.get_by_role("checkbox", name="Throttling", exact=True).check()
    # Keys typed by hand in any order: the export puts them in the file's order.
    text = await page.locator("#json").input_value()
    await page.locator("#json").fill(text.replace('{\n  "name"', '{\n  "comment": "by hand",\n  "name"', 1))
    await expect(page.locator("#json-errors")).to_contain_text("No problems")
    async with page.expect_download() as download_info:
        await page.get_by_role("button", name="Download").click()
    download = await download_info.value
    assert download.suggested_filename == "60-exported.json"
    await download.save_as(tmp_path / "downloaded.json")
    await page.get_by_role("button", name="Copy JSON").click()
    await expect(page.locator("#deploy-status")).to_contain_text("Copied")
    copied = await page.evaluate("navigator.clipboard.readText()")
    await page.get_by_role("button", name="Deploy", exact=True).click()
    await expect(page.locator("#deploy-status")).to_contain_text("Deployed 60-exported.json: loaded")
    written = (gateway.routes_dir / "60-exported.json").read_bytes()
    assert (tmp_path / "downloaded.json").read_bytes() == written
    assert copied.encode() == written
    assert written.startswith(b'{\n  "name": "exported",\n  "comment": "by hand",\n') and written.endswith(b"}\n")
