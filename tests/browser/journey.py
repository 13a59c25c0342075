"""The browser journey's set-up and steps: the demo app as upstream, the real provider's pages
filled in Chromium, and the navigations a page went through."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import Page, Request

from demo.echo import make_app
from idp.driver import IdP, device_client_metadata, web_client_metadata
from tests.support.browser import Tab
from tests.support.login_support import BACKCHANNEL, CALLBACK, IDENTITY_HEADERS, LOGOUT
from tests.support.upstream import on_loopback


@asynccontextmanager
async def demo_app() -> AsyncIterator[str]:
    """The demo app (echo, sign-out link, favicon) on a free loopback port: its base URL."""
    async with on_loopback(make_app(), shutdown_timeout=1) as url:
        yield url


def provider_for(gateways: Sequence[str], client_id: str = "gateway-web") -> IdP:
    """A real provider that knows every gateway's callback, logout return and back-channel URIs."""
    web_client = web_client_metadata(
        [g + CALLBACK for g in gateways],
        client_id=client_id,
        post_logout_redirect_uris=[g + LOGOUT for g in gateways],
        backchannel_logout_uri=gateways[0] + BACKCHANNEL,
    )
    return IdP(clients=[web_client, device_client_metadata()])


def routes(app: str) -> dict[str, dict[str, Any]]:
    """The favicon, /app behind alpha, /both behind alpha or beta, /api by device login, the rest public."""

    def route(name: str, prefix: str, filters: list[dict[str, Any]]) -> dict[str, Any]:
        chain = {"filters": filters, "handler": "ClientHandler"}
        condition = f"${{startsWith(request.uri.path, '{prefix}')}}"
        return {"name": name, "baseURI": app, "condition": condition, "handler": {"type": "Chain", "config": chain}}

    def login(*providers: str) -> dict[str, Any]:
        config = {"providers": list(providers), "identityHeaders": IDENTITY_HEADERS}
        return {"type": "OidcLoginFilter", "config": config}

    device = {"type": "DeviceFlowFilter", "config": {"provider": "alpha", "identityHeaders": IDENTITY_HEADERS}}
    favicon = {"baseURI": app, "condition": "${request.uri.path == '/favicon.ico'}", "handler": "ClientHandler"}
    return {
        "05-favicon.json": favicon,
        "10-app.json": route("app", "/app", [login("alpha")]),
        "20-both.json": route("both", "/both", [login("alpha", "beta")]),
        "30-api.json": route("api", "/api", [device]),
        "90-public.json": {"name": "public", "baseURI": app, "handler": "ClientHandler"},
    }


@dataclass
class Navigations:
    """Every document request of a page, in order (redirect hops included)."""

    urls: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> Navigations:
        """Start recording `page`."""
        page.on("request", self._record)
        return self

    def _record(self, request: Request) -> None:
        if request.is_navigation_request():
            self.urls.append(request.url)

    def since(self, mark: int) -> list[str]:
        """What was navigated to after `mark` (a length of `urls` taken earlier)."""
        return self.urls[mark:]


async def provider_login(tab: Tab, user: str, *, shots: bool = False) -> None:
    """On the provider's login page: type a name and password, sign in, and consent if asked."""
    page = tab.page
    await page.locator("input[name=login]").wait_for()
    if shots:
        await tab.shot("login page reached")
    await page.fill("input[name=login]", user)
    await page.fill("input[name=password]", "any-password")
    await page.click("button[type=submit]")
    await page.wait_for_load_state()
    if await page.locator("input[name=prompt][value=consent]").count():
        if shots:
            await tab.shot("consent")
        await page.click("button[type=submit]")


async def sign_in(tab: Tab, url: str, user: str, *, shots: bool = False) -> None:
    """Open a protected URL, log in at the provider, and wait for the app to greet `user`."""
    await tab.page.goto(url)
    await provider_login(tab, user, shots=shots)
    await tab.page.locator("#user", has_text=user).wait_for()
