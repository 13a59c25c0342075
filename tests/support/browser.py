"""Real Chromium for browser tests: Debian's `chromium`, driven by Playwright, one per test module.

    from tests.support.browser import chromium, tab   # chromium: a module-scoped fixture

    pytestmark = pytest.mark.asyncio(loop_scope="module")   # the browser lives on the module's loop

    async def test_x(chromium: Browser) -> None:
        async with tab(chromium, "test_x") as user:
            await user.page.goto(url)
            await user.shot("landing")
        user.assert_no_csp_violation()

The browser is launched once per module (a fresh profile each time, nothing downloaded, no
background traffic); each test gets its own context, so cookies and cache never leak between
tests. A `Tab` keeps every console message and screenshots each step it is asked to under
`test-artifacts/<test>/` (git-ignored), numbered in order, with the console in `console.txt`.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Page, async_playwright

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Headless, as root, on a closed network: no sandbox, no GPU, and nothing that phones home.
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
CSP = "Content Security Policy"
STEP_TIMEOUT_MS = 10_000


@asynccontextmanager
async def launch() -> AsyncIterator[Browser]:
    """Chromium on a fresh temporary profile, closed on exit."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: ./scripts/test installs it (apt-get install chromium)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def chromium() -> AsyncIterator[Browser]:
    """One browser for the whole test module."""
    async with launch() as browser:
        yield browser


class Tab:
    """A page that records its console and screenshots the steps of one test."""

    def __init__(self, context: BrowserContext, page: Page, folder: Path) -> None:
        self.context = context
        self.page = page
        self.folder = folder
        self.console: list[str] = []
        self._shots = 0
        self.watch(page)

    def watch(self, page: Page) -> None:
        """Record the console of another page of this context too (a second tab)."""
        page.on("console", self._record)

    def _record(self, message: ConsoleMessage) -> None:
        self.console.append(f"{message.type}: {message.text}")

    async def shot(self, step: str, page: Page | None = None) -> Path:
        """Screenshot of the page as it is now, named after the step."""
        self._shots += 1
        path = self.folder / f"{self._shots:02d}-{re.sub(r'[^a-z0-9]+', '-', step.lower()).strip('-')}.png"
        await (page or self.page).screenshot(path=str(path), full_page=True)
        return path

    def csp_violations(self) -> list[str]:
        """Console messages reporting a Content Security Policy violation."""
        return [line for line in self.console if CSP.lower() in line.lower()]

    def assert_no_csp_violation(self) -> None:
        """Fail with the messages when any page broke its policy."""
        assert not self.csp_violations(), "\n".join(self.csp_violations())


@asynccontextmanager
async def tab(browser: Browser, test_name: str, **context_options: Any) -> AsyncIterator[Tab]:
    """A fresh context and page for one test; the context is closed on exit."""
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    context = await browser.new_context(**context_options)
    # A step that cannot happen fails in seconds, not after Playwright's default half minute.
    context.set_default_timeout(STEP_TIMEOUT_MS)
    opened = Tab(context, await context.new_page(), folder)
    try:
        yield opened
    finally:
        (folder / "console.txt").write_text("".join(f"{line}\n" for line in opened.console))
        await context.close()
