"""RP-initiated logout through the gateway against the real provider: a confirmation page with a
CSRF token, the local session ended, the provider's session ended, same-origin returns only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from yarl import URL

from gateway.sessions.model import SessionEnded
from idp.driver import IdP, confirm_logout, parse_forms
from tests.support.gateway import GatewayHandle
from tests.support.login_support import (
    COOKIE,
    LOGOUT,
    app_gateway,
    has_login_form,
    html_browser,
    refused_within_a_second,
    session_alive,
)
from tests.support.upstream import Upstream

pytestmark = pytest.mark.slow


@pytest.fixture
async def gateway(tmp_path: Path, port: int, idp: IdP, upstream: Upstream) -> AsyncIterator[GatewayHandle]:
    async with app_gateway(tmp_path, port, idp, upstream.url) as handle:
        yield handle


def _cookie(browser: aiohttp.ClientSession) -> str:
    return "; ".join(f"{c.key}={c.value}" for c in browser.cookie_jar if c.key.startswith(COOKIE) and c.value)


async def _logout_form(browser: aiohttp.ClientSession, gateway: GatewayHandle, rd: str = "/") -> dict[str, str]:
    async with browser.get(URL(gateway.url + LOGOUT).with_query(rd=rd)) as response:
        assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
        [form] = parse_forms(await response.text())
    assert form.method == "POST" and form.action == LOGOUT
    return form.fields


async def _post_logout(browser: aiohttp.ClientSession, gateway: GatewayHandle, form: dict[str, str]) -> URL:
    async with browser.post(gateway.url + LOGOUT, data=form, allow_redirects=False) as response:
        assert response.status == 302
        return URL(gateway.url).join(URL(response.headers["Location"]))


async def test_logout_ends_the_session_here_and_at_the_provider(
    gateway: GatewayHandle, idp: IdP, browser: aiohttp.ClientSession
) -> None:
    cookie = _cookie(browser)
    ended: list[SessionEnded] = []
    gateway.runtime.services.events.subscribe(ended.append)
    form = await _logout_form(browser, gateway, rd="/app/bye")
    to_provider = await _post_logout(browser, gateway, form)
    assert [(e.subject, e.reason, e.initiator) for e in ended] == [("alice", "logout", "user")]
    assert str(to_provider).startswith(idp.issuer)
    assert to_provider.query["post_logout_redirect_uri"] == gateway.url + LOGOUT
    assert to_provider.query["id_token_hint"].count(".") == 2 and to_provider.query["state"]
    assert not await session_alive(gateway, cookie)
    final = await confirm_logout(browser, to_provider, stop_at=gateway.url + "/app")
    assert final == URL(gateway.url + "/app/bye")
    async with browser.get(gateway.url + "/app/again") as response:
        assert str(response.url).startswith(idp.issuer)
        assert has_login_form(await response.text())


async def test_logout_without_the_csrf_token_is_refused(gateway: GatewayHandle, browser: aiohttp.ClientSession) -> None:
    form = await _logout_form(browser, gateway)
    for forged in ({**form, "csrf": "0" * 64}, {"rd": "/"}):
        async with browser.post(gateway.url + LOGOUT, data=forged, allow_redirects=False) as response:
            assert response.status == 403
    assert await session_alive(gateway, _cookie(browser))


async def test_logout_is_idempotent(gateway: GatewayHandle, browser: aiohttp.ClientSession) -> None:
    form = await _logout_form(browser, gateway)
    await _post_logout(browser, gateway, form)
    again = await _post_logout(browser, gateway, form)
    assert again == URL(gateway.url + "/")
    async with browser.get(gateway.url + LOGOUT) as response:
        assert response.status == 200 and "signed out" in await response.text()


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/x", "/\\evil.example/x"])
async def test_an_open_redirect_after_logout_is_refused(
    gateway: GatewayHandle, browser: aiohttp.ClientSession, target: str
) -> None:
    form = await _logout_form(browser, gateway, rd=target)
    assert form["rd"] == "/"
    to_provider = await _post_logout(browser, gateway, {**form, "rd": target})
    back = await confirm_logout(browser, to_provider, stop_at=gateway.url + LOGOUT)
    async with browser.get(back, allow_redirects=False) as response:
        assert response.headers["Location"] == "/"


async def test_a_forged_logout_state_returns_home(gateway: GatewayHandle) -> None:
    async with html_browser() as browser:
        forged = URL(gateway.url + LOGOUT).with_query(state="//evil.example")
        async with browser.get(forged, allow_redirects=False) as response:
            assert response.status == 302 and response.headers["Location"] == "/"


async def test_logout_at_the_provider_ends_the_gateway_session_by_back_channel(
    gateway: GatewayHandle, idp: IdP, browser: aiohttp.ClientSession
) -> None:
    cookie = _cookie(browser)
    assert await session_alive(gateway, cookie)
    ended: list[SessionEnded] = []
    gateway.runtime.services.events.subscribe(ended.append)
    await confirm_logout(browser, URL(idp.issuer) / "session" / "end")
    assert await refused_within_a_second(gateway, cookie)
    assert [(e.subject, e.reason, e.initiator) for e in ended] == [("alice", "backchannel_logout", "system")]
