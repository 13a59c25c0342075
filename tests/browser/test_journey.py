"""The browser journey in real Chromium, through a real gateway, the real OpenID provider and the
demo app: login with consent, reload and a second tab, the chooser, logout at the gateway and at
the provider, Back after logout, expired and revoked sessions, a device login approved in the
browser. No page may break its Content-Security-Policy; every step is screenshotted under
`test-artifacts/`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from playwright.async_api import Browser

from idp.driver import IdP
from tests.browser.journey import Navigations, demo_app, provider_for, provider_login, routes, sign_in
from tests.support.browser import Tab, chromium, tab
from tests.support.device_client import poll, start
from tests.support.gateway import GatewayHandle
from tests.support.login_support import idp_provider, login_gateway
from tests.support.process import free_port

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

# `chromium` is the module-scoped browser fixture, imported so that pytest finds it here.
__all__ = ["chromium"]


@pytest.fixture(scope="module")
def ports() -> tuple[int, ...]:
    """The ports of the main gateway, the short-lived-sessions one and the one clearing no site data."""
    return free_port(), free_port(), free_port()


@pytest.fixture(scope="module")
def alpha(ports: tuple[int, ...]) -> Iterator[IdP]:
    with provider_for([f"http://127.0.0.1:{p}" for p in ports]) as server:
        yield server


@pytest.fixture(scope="module")
def beta(ports: tuple[int, ...]) -> Iterator[IdP]:
    with provider_for([f"http://127.0.0.1:{p}" for p in ports], client_id="gateway-at-beta") as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def app() -> AsyncIterator[str]:
    async with demo_app() as url:
        yield url


def _heap(alpha: IdP, beta: IdP) -> list[dict[str, object]]:
    return [
        idp_provider("alpha", alpha, displayName="Alpha Corp", position=1),
        idp_provider("beta", beta, displayName="Beta Partners", position=2),
    ]


# The journey's gateways: the main one, one whose sessions end three seconds after login, and one whose
# logout sends no Clear-Site-Data (Cache-Control alone must keep Back clean).
VARIANTS: dict[str, dict[str, Any]] = {
    "main": {},
    "short_lived": {"sessions": {"maxLifetime": "3 s", "idleTimeout": "3 s", "sweepInterval": "1 s"}},
    "no_site_data": {"auth": {"clearSiteData": []}},
}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def gateways(
    tmp_path_factory: pytest.TempPathFactory, ports: tuple[int, ...], alpha: IdP, beta: IdP, app: str
) -> AsyncIterator[dict[str, GatewayHandle]]:
    """Every variant, each on its own port."""
    async with AsyncExitStack() as stack:
        started = {}
        for (name, settings), port in zip(VARIANTS.items(), ports, strict=True):
            folder = tmp_path_factory.mktemp(name)
            started[name] = await stack.enter_async_context(
                login_gateway(folder, port, _heap(alpha, beta), routes(app), **settings)
            )
        yield started


@pytest.fixture(scope="module")
def gateway(gateways: dict[str, GatewayHandle]) -> GatewayHandle:
    """The main gateway."""
    return gateways["main"]


@pytest_asyncio.fixture(loop_scope="module")
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain HTTP client, on the module's event loop like everything here."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest_asyncio.fixture(loop_scope="module")
async def user(chromium: Browser, request: pytest.FixtureRequest) -> AsyncIterator[Tab]:
    """A fresh browser profile (context) for one test; no page of it may break its CSP."""
    async with tab(chromium, request.node.name) as browser_tab:
        yield browser_tab
        browser_tab.assert_no_csp_violation()


async def test_login_with_consent_then_reload_and_a_second_tab_keep_the_session(
    user: Tab, gateway: GatewayHandle, alpha: IdP
) -> None:
    navigations = Navigations().watch(user.page)
    await sign_in(user, gateway.url + "/app/", "alice", shots=True)
    await user.shot("app with identity")
    assert any(url.startswith(alpha.issuer + "/interaction/") for url in navigations.urls)
    mark = len(navigations.urls)
    await user.page.reload()
    await user.page.locator("#user", has_text="alice").wait_for()
    second = await user.context.new_page()
    user.watch(second)
    Navigations(navigations.urls).watch(second)
    await second.goto(gateway.url + "/app/second-tab")
    await second.locator("#user", has_text="alice").wait_for()
    await user.shot("second tab", second)
    assert not [url for url in navigations.since(mark) if url.startswith(alpha.issuer)]
    icon = await user.page.request.get(gateway.url + "/favicon.ico")
    assert icon.status == 200 and icon.headers["content-type"] == "image/png"


async def test_the_chooser_offers_both_providers_and_each_signs_in(
    user: Tab, gateway: GatewayHandle, alpha: IdP, beta: IdP
) -> None:
    await user.page.goto(gateway.url + "/both/")
    buttons = user.page.locator("a.idp")
    assert await buttons.all_inner_texts() == ["Alpha Corp", "Beta Partners"]
    await user.shot("chooser")
    await user.page.click("text=Beta Partners")
    assert user.page.url.startswith(beta.issuer)
    await provider_login(user, "bob")
    await user.page.locator("#user", has_text="bob").wait_for()
    await user.shot("signed in at beta")


async def _sign_out(user: Tab, gateway: GatewayHandle, alpha: IdP) -> None:
    """From the app: the sign-out link, the gateway's confirmation, then the provider's."""
    await user.page.click("#sign-out")
    await user.page.locator("text=Do you want to sign out?").wait_for()
    await user.shot("gateway asks to sign out")
    await user.page.click("button[name=logout]")
    await user.page.wait_for_url(alpha.issuer + "/**")
    await user.shot("provider asks to sign out")
    await user.page.click("button[name=logout][value=yes]")
    await user.page.wait_for_url(gateway.url + "/echo/")
    await user.page.locator("#sign-in").wait_for()
    await user.shot("signed out")


async def test_logout_ends_the_gateway_and_the_provider_session(user: Tab, gateway: GatewayHandle, alpha: IdP) -> None:
    await sign_in(user, gateway.url + "/app/", "carol")
    await user.context.add_cookies([{"name": "app_pref", "value": "dark", "url": gateway.url}])
    await _sign_out(user, gateway, alpha)
    names = {cookie["name"] for cookie in await user.context.cookies(gateway.url)}
    assert not names & {"gw_session", "gw_logout", "app_pref"}, names
    assert [line for line in user.console if 'Cleared data types: "cache", "cookies"' in line]
    await user.page.goto(gateway.url + "/app/")
    await user.page.locator("input[name=login]").wait_for()
    assert user.page.url.startswith(alpha.issuer)
    await user.shot("next visit asks for login")


@pytest.mark.parametrize("which", ["main", "no_site_data"])
async def test_back_after_logout_shows_no_protected_content(
    user: Tab, which: str, alpha: IdP, gateways: dict[str, GatewayHandle]
) -> None:
    gateway = gateways[which]
    await sign_in(user, gateway.url + "/app/private", "dave")
    await _sign_out(user, gateway, alpha)
    for step in range(6):
        if await user.page.go_back() is None or user.page.url.startswith(alpha.issuer + "/interaction/"):
            break
        await user.shot(f"back {step + 1}")
        assert "dave" not in await user.page.content()
    await user.shot("back reaches the login")
    assert user.page.url.startswith(alpha.issuer + "/interaction/")
    assert "dave" not in await user.page.content()


async def test_a_revoked_session_sends_the_browser_back_to_login(
    user: Tab, gateway: GatewayHandle, alpha: IdP, http: aiohttp.ClientSession
) -> None:
    navigations = Navigations().watch(user.page)
    await sign_in(user, gateway.url + "/app/", "erin")
    async with http.post(gateway.admin + "/admin/api/sessions/revoke", json={"sub": "erin", "iss": alpha.issuer}) as r:
        assert (await r.json()) == {"revoked": 1}
    mark = len(navigations.urls)
    await user.page.reload()
    await user.page.locator("#user", has_text="erin").wait_for()
    assert any(url.startswith(alpha.issuer + "/auth") for url in navigations.since(mark))


async def test_an_expired_session_sends_the_browser_back_to_login(
    user: Tab, gateways: dict[str, GatewayHandle], alpha: IdP
) -> None:
    short_lived = gateways["short_lived"]
    navigations = Navigations().watch(user.page)
    await sign_in(user, short_lived.url + "/app/", "frank")
    mark = len(navigations.urls)
    await asyncio.sleep(3.5)
    await user.page.reload()
    await user.page.locator("#user", has_text="frank").wait_for()
    assert any(url.startswith(alpha.issuer + "/auth") for url in navigations.since(mark))


async def test_the_device_user_page_approved_in_the_browser_completes_a_device_login(
    user: Tab, gateway: GatewayHandle, alpha: IdP, http: aiohttp.ClientSession
) -> None:
    grant = await start(http, gateway.url, scope="openid email")
    await user.page.goto(grant["verification_uri_complete"])
    await user.shot("device page")
    await user.page.click("button[type=submit]")
    await provider_login(user, "grace")
    await user.page.locator("text=Sign-in Success").wait_for()
    await user.shot("device approved")
    status, answer = await poll(http, gateway.url, grant["device_code"])
    assert status == 200, answer
    headers = {"Authorization": f"Bearer {answer['access_token']}", "Accept": "application/json"}
    async with http.get(gateway.url + "/api/me", headers=headers) as response:
        seen = dict((await response.json())["headers"])
    assert seen["X-User"] == "grace"


async def test_gateway_pages_and_refusals_show_the_way_on(user: Tab, gateway: GatewayHandle, alpha: IdP) -> None:
    await user.page.goto(gateway.url + "/oauth2/logout")
    await user.page.locator("text=You are signed out.").wait_for()
    await user.shot("signed out page")
    await user.page.goto(gateway.url + "/oauth2/callback?state=forged&code=x")
    await user.shot("refusal")
    await user.page.get_by_role("link", name="Sign in again").click()
    await user.page.locator("a.idp").first.wait_for()
    await user.shot("chooser after a refusal")
    await user.page.click("text=Alpha Corp")
    await user.page.locator("input[name=login]").wait_for()
    assert user.page.url.startswith(alpha.issuer)


async def test_the_readme_screenshots_are_committed() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs"
    for name in ("login-page.png", "app-with-identity.png"):
        assert (docs / name).read_bytes().startswith(b"\x89PNG")
