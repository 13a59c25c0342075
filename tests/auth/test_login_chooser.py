"""Two real providers on one route: the chooser lists both in `position` order and each works;
a route offering only one of them does not take the other's sessions."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from html import unescape
from pathlib import Path

import pytest
from yarl import URL

from idp.driver import IdP, login
from tests.support.gateway import GatewayHandle
from tests.support.login_support import (
    IDENTITY_HEADERS,
    LOGIN,
    html_browser,
    idp_provider,
    login_gateway,
    login_route,
    real_idp,
)
from tests.support.upstream import Upstream

pytestmark = pytest.mark.slow

_BUTTON = re.compile(r'<a class=idp href="([^"]+)">([^<]+)</a>')


@pytest.fixture(scope="module")
def alpha(port: int) -> Iterator[IdP]:
    with real_idp(f"http://127.0.0.1:{port}") as server:
        yield server


@pytest.fixture(scope="module")
def beta(port: int) -> Iterator[IdP]:
    with real_idp(f"http://127.0.0.1:{port}", client_id="gateway-at-beta") as server:
        yield server


@pytest.fixture
async def gateway(tmp_path: Path, port: int, alpha: IdP, beta: IdP, upstream: Upstream) -> AsyncIterator[GatewayHandle]:
    heap = [
        idp_provider("alpha", alpha, displayName="Alpha Corp", position=2),
        idp_provider("beta", beta, displayName="Beta Partners", position=1),
    ]
    headers = IDENTITY_HEADERS | {"X-Issuer": "${identity.iss}"}
    routes = {
        "10-app.json": login_route(upstream.url, ["alpha", "beta"], identityHeaders=headers),
        "20-alpha.json": login_route(upstream.url, ["alpha"], prefix="/alpha-only", identityHeaders=headers),
    }
    async with login_gateway(tmp_path, port, heap, routes) as handle:
        yield handle


async def _buttons(gateway: GatewayHandle, path: str) -> list[tuple[str, str]]:
    async with html_browser() as browser:
        async with browser.get(gateway.url + path, allow_redirects=False) as response:
            assert response.status == 302
            chooser = URL(response.headers["Location"])
        assert chooser.path == LOGIN and chooser.query["rd"] == path
        async with browser.get(gateway.url + str(chooser)) as response:
            assert response.status == 200
            page = await response.text()
    return [(label, unescape(href)) for href, label in _BUTTON.findall(page)]


async def test_the_chooser_lists_both_providers_in_position_order(gateway: GatewayHandle) -> None:
    buttons = await _buttons(gateway, "/app/home")
    assert [label for label, _ in buttons] == ["Beta Partners", "Alpha Corp"]


async def test_each_provider_on_the_chooser_logs_in(
    gateway: GatewayHandle, alpha: IdP, beta: IdP, upstream: Upstream
) -> None:
    buttons = dict(await _buttons(gateway, "/app/home"))
    for label, idp, user in (("Alpha Corp", alpha, "ann"), ("Beta Partners", beta, "bert")):
        async with html_browser() as browser:
            final = await login(browser, gateway.url + buttons[label], user)
        assert final == URL(gateway.url + "/app/home")
        headers = dict(upstream.seen[-1]["headers"])
        assert (headers["X-User"], headers["X-Issuer"]) == (user, idp.issuer)


async def test_a_route_offering_one_provider_refuses_the_others_session(
    gateway: GatewayHandle, alpha: IdP, upstream: Upstream
) -> None:
    buttons = dict(await _buttons(gateway, "/app/home"))
    async with html_browser() as browser:
        await login(browser, gateway.url + buttons["Beta Partners"], "bert")
        async with browser.get(gateway.url + "/alpha-only/page", allow_redirects=False) as response:
            assert response.status == 302
            assert response.headers["Location"].startswith(alpha.issuer)
    assert [r["raw_path"] for r in upstream.seen] == ["/app/home"]


async def test_a_provider_not_offered_cannot_be_picked(gateway: GatewayHandle) -> None:
    start = URL(gateway.url + LOGIN).with_query(idp="nobody", rd="/")
    async with html_browser() as browser, browser.get(start) as response:
        assert response.status == 400
