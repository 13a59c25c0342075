"""What the logout tells a browser beyond the redirects: a form-action that lets the confirmation's
POST reach the provider's end-session origin (and nothing else), Clear-Site-Data of the cache when
leaving for the provider and of everything when back, for the browser that posted only; and
refusal pages that offer the way on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from yarl import URL

from idp.driver import IdP, confirm_logout, parse_forms
from tests.support.gateway import GatewayHandle
from tests.support.login_support import HTML, LOGOUT, html_browser, idp_provider, login_gateway, login_route
from tests.support.upstream import Upstream

pytestmark = pytest.mark.slow


@pytest.fixture
async def gateway(tmp_path: Path, port: int, idp: IdP, upstream: Upstream) -> AsyncIterator[GatewayHandle]:
    members = {"type": "Chain", "config": {"filters": [{"type": "SessionFilter"}], "handler": "ClientHandler"}}
    routes = {
        "10-app.json": login_route(upstream.url, ["corp"]),
        "20-members.json": {
            "condition": "${startsWith(request.uri.path, '/members')}",
            "baseURI": upstream.url,
            "handler": members,
        },
    }
    async with login_gateway(tmp_path, port, [idp_provider("corp", idp)], routes) as handle:
        yield handle


def _form_action(policy: str) -> list[str]:
    directives = dict(d.strip().partition(" ")[::2] for d in policy.split(";"))
    return directives["form-action"].split()


async def _leave(browser: aiohttp.ClientSession, gateway: GatewayHandle) -> aiohttp.ClientResponse:
    async with browser.get(gateway.url + LOGOUT) as page:
        [form] = parse_forms(await page.text())
    async with browser.post(gateway.url + LOGOUT, data=form.fields, allow_redirects=False) as response:
        return response


async def test_the_confirmation_lets_its_form_reach_the_providers_logout_and_nothing_else(
    gateway: GatewayHandle, idp: IdP, browser: aiohttp.ClientSession
) -> None:
    async with browser.get(gateway.url + LOGOUT) as response:
        assert _form_action(response.headers["Content-Security-Policy"]) == ["'self'", idp.issuer]
    async with html_browser() as stranger, stranger.get(gateway.url + LOGOUT) as response:
        assert _form_action(response.headers["Content-Security-Policy"]) == ["'self'"]


async def test_leaving_for_the_provider_clears_the_cache_and_binds_the_return_to_this_browser(
    gateway: GatewayHandle, idp: IdP, browser: aiohttp.ClientSession
) -> None:
    response = await _leave(browser, gateway)
    assert response.headers["Location"].startswith(idp.issuer)
    assert response.headers["Clear-Site-Data"] == '"cache"'
    binding = response.cookies["gw_logout"]
    assert binding["path"] == LOGOUT and binding["httponly"] and binding["samesite"] == "Lax"


async def test_back_from_the_provider_clears_cache_and_cookies_for_the_browser_that_posted(
    gateway: GatewayHandle, browser: aiohttp.ClientSession
) -> None:
    to_provider = URL((await _leave(browser, gateway)).headers["Location"])
    back = await confirm_logout(browser, to_provider, stop_at=gateway.url + LOGOUT)
    async with html_browser() as stranger, stranger.get(back, allow_redirects=False) as response:
        assert response.status == 302 and "Clear-Site-Data" not in response.headers
    async with browser.get(back, allow_redirects=False) as response:
        assert response.headers["Clear-Site-Data"] == '"cache", "cookies"'
        assert response.cookies["gw_logout"].value == ""
    async with browser.get(back, allow_redirects=False) as response:
        assert "Clear-Site-Data" not in response.headers


async def test_a_refused_callback_offers_to_sign_in_again_where_the_user_was_going(
    gateway: GatewayHandle, idp: IdP
) -> None:
    async with html_browser() as session:
        async with session.get(gateway.url + "/app/reports", allow_redirects=False) as response:
            state = URL(response.headers["Location"]).query["state"]
        answer = {"state": state, "error": "access_denied", "iss": idp.issuer}
        async with session.get(URL(gateway.url + "/oauth2/callback").with_query(answer)) as response:
            assert response.status == 401
            assert _form_action(response.headers["Content-Security-Policy"]) == ["'none'"]
            assert '<a href="/oauth2/login?rd=/app/reports">Sign in again</a>' in await response.text()


async def test_a_stale_sign_out_form_offers_to_sign_out_again(
    gateway: GatewayHandle, browser: aiohttp.ClientSession
) -> None:
    async with browser.post(gateway.url + LOGOUT, data={"csrf": "stale"}, headers={"Accept": HTML}) as response:
        assert response.status == 403
        assert f'<a href="{LOGOUT}">Sign out again</a>' in await response.text()


async def test_a_route_needing_a_session_offers_a_browser_to_sign_in(gateway: GatewayHandle) -> None:
    async with html_browser() as session, session.get(gateway.url + "/members/list") as response:
        assert response.status == 401
        assert '<a href="/oauth2/login?rd=/members/list">Sign in again</a>' in await response.text()
