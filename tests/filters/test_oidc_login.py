"""Browser login through the gateway against the real OpenID provider (oidc-provider on node)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from yarl import URL

from idp.driver import IdP, login
from tests.support.gateway import GatewayHandle
from tests.support.login_support import (
    CALLBACK,
    LOGIN,
    app_gateway,
    html_browser,
    log_in_at,
    real_idp,
)
from tests.support.upstream import Upstream

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def idp(port: int) -> Iterator[IdP]:
    with real_idp(f"http://127.0.0.1:{port}", accounts={"alice": {"groups": ["admins", "users"]}}) as server:
        yield server


@pytest.fixture
async def gateway(tmp_path: Path, port: int, idp: IdP, upstream: Upstream) -> AsyncIterator[GatewayHandle]:
    async with app_gateway(tmp_path, port, idp, upstream.url) as handle:
        yield handle


async def test_login_through_the_gateway_reaches_the_upstream_with_the_identity(
    gateway: GatewayHandle, upstream: Upstream
) -> None:
    async with html_browser() as browser:
        await log_in_at(browser, gateway.url + "/app/hello?x=1", "alice")
        async with browser.get(gateway.url + "/app/again", allow_redirects=False) as response:
            assert response.status == 200
    assert [r["raw_path"] for r in upstream.seen] == ["/app/hello?x=1", "/app/again"]
    headers = dict(upstream.seen[-1]["headers"])
    assert headers["X-User"] == "alice"
    assert headers["X-Email"] == "alice@example.com"
    assert headers["X-Groups"] == "admins,users"


async def test_each_user_gets_their_own_identity(gateway: GatewayHandle, upstream: Upstream) -> None:
    async with html_browser() as alice, html_browser() as bob:
        await login(alice, gateway.url + "/app/a", "alice")
        await login(bob, gateway.url + "/app/b", "bob")
    users = {r["raw_path"]: dict(r["headers"])["X-User"] for r in upstream.seen}
    assert users == {"/app/a": "alice", "/app/b": "bob"}


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/x", "/\\evil.example/x", "/%2F%2Fevil"])
async def test_an_open_redirect_after_login_is_refused(gateway: GatewayHandle, target: str) -> None:
    start = URL(gateway.url + LOGIN).with_query(rd=target, idp="corp")
    async with html_browser() as browser:
        callback = await login(browser, start, "alice", stop_at=gateway.url + CALLBACK)
        async with browser.get(callback, allow_redirects=False) as response:
            assert response.status == 302
            assert response.headers["Location"] == "/"


async def test_the_login_endpoint_returns_to_a_same_origin_path(gateway: GatewayHandle) -> None:
    start = URL(gateway.url + LOGIN).with_query(rd="/app/deep/link?q=1")
    async with html_browser() as browser:
        final = await login(browser, start, "alice")
    assert final == URL(gateway.url + "/app/deep/link?q=1")
