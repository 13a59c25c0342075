"""The studio with the keyboard alone: every control is labelled, and the README's steps (a
throttled, captured route, deployed) work with Tab, typing, Space and Enter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Page, expect

from tests.support.gateway import GatewayHandle
from tests.support.studio import notes_pdp, studio_gateway
from tests.support.upstream import Upstream

pytestmark = pytest.mark.slow

UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea, button')]
  .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.textContent.trim())
  .map((el) => el.outerHTML)"""
FOCUSED_NAME = """() => {
  const el = document.activeElement;
  if (!el) return '';
  if (el.labels && el.labels.length) return el.labels[0].textContent.trim();
  return (el.getAttribute('aria-label') || el.textContent || '').trim();
}"""


@pytest.fixture
async def gateway(tmp_path: Path, routes_dir: Path) -> AsyncIterator[GatewayHandle]:
    async with studio_gateway(tmp_path, routes_dir, heap=[notes_pdp(tmp_path)]) as handle:
        yield handle


async def tab_to(page: Page, name: str) -> None:
    """Press Tab until the control labelled `name` has the focus."""
    for _ in range(120):
        await page.keyboard.press("Tab")
        if await page.evaluate(FOCUSED_NAME) == name:
            return
    raise AssertionError(f"Tab never reached a control labelled {name!r}")


async def test_every_control_has_a_label(gateway: GatewayHandle, page: Page) -> None:
    await page.goto(f"{gateway.admin}/studio/")
    await expect(page.locator("#json-errors")).to_contain_text("No problems")
    assert await page.evaluate(UNLABELLED) == []
    # The authorization panel's controls are among them, each found by its label.
    for label in (
        "Authorization",
        "Policy decision point",
        "Resource type",
        "Claims sent with the subject",
        "When the PDP gives no answer",
        "Cache decisions",
        "Keep permits for",
        "Keep denies for",
    ):
        await expect(page.get_by_label(label, exact=True)).to_have_count(1)
    for label in ("Resource templates", "Requirements", "Headers from the decision"):
        await expect(page.get_by_label(label)).to_have_count(1)


async def _new_route(page: Page, gateway: GatewayHandle, upstream: Upstream, name: str, prefix: str) -> None:
    """Open the studio and start a route to `upstream` under `prefix`, with the keyboard only."""
    await page.goto(f"{gateway.admin}/studio/")
    await expect(page.locator("#json-errors")).to_contain_text("No problems")
    await _press(page, "New route", "Enter")
    await page.keyboard.type(name)  # the focus is on Name after New route
    await _type(page, "Upstream base URI", upstream.url)
    await _type(page, "Path prefix", prefix)


async def _press(page: Page, name: str, *keys: str) -> None:
    """Tab to the control labelled `name` and press `keys` there."""
    await tab_to(page, name)
    for key in keys:
        await page.keyboard.press(key)


async def _type(page: Page, name: str, text: str) -> None:
    """Tab to the control labelled `name` and type `text` there."""
    await tab_to(page, name)
    await page.keyboard.type(text)


async def _deploy(page: Page, filename: str) -> None:
    """Deploy the route, which has no problems, with the keyboard; it loads as `filename`."""
    await expect(page.locator("#json-errors")).to_contain_text("No problems")
    await _press(page, "Deploy", "Enter")
    await expect(page.locator("#deploy-status")).to_contain_text(f"Deployed {filename}: loaded")


async def _statuses(http: aiohttp.ClientSession, url: str, *methods: str) -> list[int]:
    """The status of each request in turn."""
    found = []
    for method in methods:
        async with http.request(method, url) as response:
            found.append(response.status)
    return found


async def test_a_throttled_captured_route_is_built_and_deployed_with_the_keyboard(
    gateway: GatewayHandle, page: Page, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    await _new_route(page, gateway, upstream, "kb", "/kb")
    await _press(page, "Capture", "Space")
    await _press(page, "Throttling", "Space")
    await _press(page, "Requests", "Control+A")
    await page.keyboard.type("1")
    await _deploy(page, "60-kb.json")
    assert await _statuses(http, f"{gateway.url}/kb/x", "GET", "GET") == [200, 429]


async def test_an_authorized_route_is_built_and_deployed_with_the_keyboard(
    gateway: GatewayHandle, page: Page, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    await _new_route(page, gateway, upstream, "kbnotes", "/notes")
    await _press(page, "Authorization", "Space")
    await expect(page.locator("#f-pdp")).to_have_value("policies")
    await _type(page, "Resource templates (one per line; a path matching none is denied)", "/notes/{noteId}")
    await _press(page, "When the PDP gives no answer", "ArrowDown", "ArrowDown")
    await expect(page.locator("#f-onError")).to_have_value("403")
    await _deploy(page, "60-kbnotes.json")
    assert await _statuses(http, f"{gateway.url}/notes/1", "DELETE", "GET") == [403, 200]
    assert upstream.paths == ["/notes/1"]
