"""Identity headers cannot be smuggled: every name an authentication filter may inject is removed
from every client request on every route, compared normalised (case, `_` as `-`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from gateway.auth.transaction import COOKIE_PREFIX
from tests.support.fake_login import walk
from tests.support.fake_op import CLIENT_ID, CLIENT_SECRET, FakeOp
from tests.support.gateway import GatewayHandle, running_gateway, write_route
from tests.support.login_support import COOKIE, html_browser, login_gateway, login_route, provider, public_route
from tests.support.upstream import Upstream, raw_request, running_upstream

SMUGGLED = [
    ("X-User", "mallory"),
    ("x_user", "mallory"),
    ("X-USER", "mallory"),
    ("X_Email", "mallory@evil.example"),
    ("x-groups", "admins"),
    ("X-Id-Token", "forged"),
]
INJECTED = {"x-user", "x-email", "x-groups", "x-id-token"}


@pytest.fixture
async def public_upstream() -> AsyncIterator[Upstream]:
    async with running_upstream() as server:
        yield server


@pytest.fixture
async def gateway(
    tmp_path: Path, upstream: Upstream, public_upstream: Upstream, op: FakeOp
) -> AsyncIterator[GatewayHandle]:
    heap = [provider("fake", op.issuer, CLIENT_ID, CLIENT_SECRET)]
    routes = {
        "10-app.json": login_route(upstream.url, ["fake"], passIdToken="X-Id-Token"),
        "90-public.json": public_route(public_upstream.url),
    }
    async with login_gateway(tmp_path, 0, heap, routes) as handle:
        yield handle


async def _session_cookie(gateway: GatewayHandle) -> str:
    async with html_browser() as browser:
        hops = await walk(browser, gateway.url + "/app/login")
        assert hops[-1].status == 200
        return "; ".join(f"{c.key}={c.value}" for c in browser.cookie_jar if c.key.startswith(COOKIE))


def _identity_headers(record: dict[str, Any]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in record["headers"] if k.lower().replace("_", "-") in INJECTED]


async def test_an_authenticated_request_carries_only_the_gateways_identity(
    gateway: GatewayHandle, upstream: Upstream
) -> None:
    cookie = await _session_cookie(gateway)
    answer = await raw_request(gateway.url, "/app/data", headers=[("Cookie", cookie), *SMUGGLED])
    assert answer.status == 200
    seen = dict(_identity_headers(upstream.seen[-1]))
    assert seen.keys() == {"X-User", "X-Email", "X-Groups", "X-Id-Token"}
    assert seen["X-User"] == "alice" and seen["X-Email"] == "alice@example.com" and seen["X-Groups"] == "users"
    assert seen["X-Id-Token"] != "forged" and seen["X-Id-Token"].count(".") == 2


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "logged-in browser"])
async def test_a_public_route_never_passes_identity_headers_from_the_client(
    gateway: GatewayHandle, public_upstream: Upstream, logged_in: bool
) -> None:
    cookie = [("Cookie", await _session_cookie(gateway))] if logged_in else []
    answer = await raw_request(gateway.url, "/public/page", headers=[*cookie, *SMUGGLED])
    assert answer.status == 200
    assert _identity_headers(public_upstream.seen[-1]) == []


async def test_other_headers_pass_untouched(gateway: GatewayHandle, public_upstream: Upstream) -> None:
    await raw_request(gateway.url, "/public/page", headers=[("X-Username", "kept"), ("X-User-Agent-Hint", "kept")])
    seen = dict(public_upstream.seen[-1]["headers"])
    assert seen["X-Username"] == "kept" and seen["X-User-Agent-Hint"] == "kept"


async def test_the_upstream_never_sees_the_gateways_own_cookies(gateway: GatewayHandle, upstream: Upstream) -> None:
    cookie = await _session_cookie(gateway)
    pending = f"{COOKIE_PREFIX}0123456789abcdef=sealed"
    answer = await raw_request(
        gateway.url, "/app/data", headers=[("Cookie", f"app=1; {cookie}; {pending}; theme=dark")]
    )
    assert answer.status == 200
    cookies = [v for k, v in upstream.seen[-1]["headers"] if k.lower() == "cookie"]
    assert cookies == ["app=1; theme=dark"]


async def test_public_routes_never_forward_the_gateway_session_cookie(tmp_path: Path, upstream: Upstream) -> None:
    """A session cookie holds tokens; an upstream behind a public route must not receive it."""
    from gateway.sessions.model import Tokens

    routes = tmp_path / "routes"
    routes.mkdir()
    write_route(routes, "10-public.json", {"name": "public", "baseURI": upstream.url, "handler": "ClientHandler"})
    async with running_gateway(routes, state=str(tmp_path / "state")) as gw:
        sessions = gw.runtime.services.sessions
        session = await sessions.create(
            subject="alice",
            issuer="https://idp.test",
            provider="idp",
            method="browser",
            claims={},
            tokens=Tokens(None, None, None, None),
        )
        cookie = "; ".join(f"{name}={value}" for name, value, _ in sessions.cookies_for(session, False))
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"{gw.url}/x", headers={"Cookie": f"{cookie}; theme=dark"}) as response,
        ):
            assert response.status == 200
    sent = dict(upstream.seen[-1]["headers"])
    assert sent["Cookie"] == "theme=dark"
