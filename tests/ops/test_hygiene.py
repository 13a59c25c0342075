"""Every kind of answer the gateway makes itself carries its page headers: never sniffed, never cached,
never framed when HTML, a challenge on every 401, no version banner; what an upstream sent is relayed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.policy.conftest import GATEWAY_POLICIES, TODO_POLICIES, pdp_object, pdp_url
from tests.support.auth_routes import auth_route, provider
from tests.support.fake_op import CLIENT_ID, CLIENT_SECRET, running_op
from tests.support.fixtures import chain
from tests.support.gateway import GatewayHandle, running_gateway, write_route
from tests.support.login_support import HTML, login_route
from tests.support.login_support import provider as oidc_provider
from tests.support.upstream import Upstream, raw_request

# Discovery is lazy: no request here gets far enough to contact this issuer.
NOWHERE = "http://127.0.0.1:9"
JSON = "application/json"


def _routes(upstream: str) -> dict[str, Any]:
    throttle = {"type": "ThrottlingFilter", "config": {"rate": {"numberOfRequests": 1, "duration": "1 minute"}}}
    pep = {"type": "PolicyEnforcementFilter", "config": {"pdp": "pdp", "resources": ["/users/{userId}"]}}
    static = {"type": "StaticResponseHandler", "config": {"status": 200, "headers": {"Content-Type": ["text/html"]},
                                                            "entity": "<p>maintenance</p>"}}  # fmt: skip

    def at(prefix: str, handler: Any, base: str = upstream) -> dict[str, Any]:
        return {"condition": f"${{startsWith(request.uri.path, '{prefix}')}}", "baseURI": base, "handler": handler}

    bearer = ("BearerTokenFilter", {"provider": "idp", "audience": "api"})
    return {
        "10-bearer.json": auth_route("bearer", "/api", upstream, bearer),
        "11-session.json": auth_route("session", "/session", upstream, ("SessionFilter", {})),
        "12-app.json": login_route(upstream, ["fake"]),
        "13-users.json": at("/users", chain([pep])),
        "14-throttled.json": at("/throttled", chain([throttle])),
        "15-down.json": at("/down", "ClientHandler", NOWHERE),
        "16-slow.json": {**at("/slow", {"type": "ClientHandler", "config": {"soTimeout": "0.3 s"}})},
        "17-static.json": at("/static", static),
        "18-broken.json": at("/broken", "NoSuchHandler"),
        "19-echo.json": at("/echo", "ClientHandler"),
        "20-device.json": auth_route("device", "/dev", upstream, ("DeviceFlowFilter", {"provider": "idp"})),
    }


@asynccontextmanager
async def _gateway(tmp_path: Path, upstream: Upstream, **settings: Any) -> AsyncIterator[GatewayHandle]:
    """One gateway with a route for every kind of refusal, a login route and a static page."""
    (tmp_path / "routes").mkdir()
    for name, route in _routes(upstream.url).items():
        write_route(tmp_path / "routes", name, route)
    async with running_op() as op:
        heap = [provider("idp", NOWHERE), oidc_provider("fake", op.issuer, CLIENT_ID, CLIENT_SECRET),
                {"name": "pdp", "type": "PolicyDecisionPoint", "config": {"file": str(GATEWAY_POLICIES)}}]  # fmt: skip
        options = {"heap": heap, "state": str(tmp_path / "state"), "auth": {"devicePath": "/login/device"}}
        async with running_gateway(tmp_path / "routes", **options, **settings) as handle:
            yield handle


@pytest.fixture
async def gateway(tmp_path: Path, upstream: Upstream) -> AsyncIterator[GatewayHandle]:
    """The gateway of `_gateway`, with default settings."""
    async with _gateway(tmp_path, upstream) as handle:
        yield handle


@dataclass(frozen=True)
class Kind:
    """One kind of answer: the request that provokes it and the status it has."""

    id: str
    target: str
    status: int
    accept: str = JSON
    method: str = "GET"
    head: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()


UNPARSABLE = b"GET / HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n"
FORM = (("Content-Type", "application/x-www-form-urlencoded"),)
KINDS = [
    Kind("404 no route", "/nothing", 404),
    Kind("404 no route, browser", "/nothing", 404, HTML),
    Kind("400 bad path", "/echo/a/..%2fb", 400),
    Kind("400 unparsable request", "/", 400, head=UNPARSABLE),
    Kind("401 bearer", "/api/data", 401),
    Kind("401 no session", "/session/data", 401),
    Kind("401 no session, browser", "/session/data", 401, HTML),
    Kind("401 login, API client", "/app/data", 401),
    Kind("302 login redirect", "/app/data", 302, HTML),
    Kind("403 policy", "/users/alice", 403),
    Kind("429 throttle", "/throttled", 429),
    Kind("502 upstream down", "/down", 502),
    Kind("504 upstream slow", "/slow?delay=3", 504),
    Kind("503 failed route", "/broken", 503, HTML),
    Kind("200 static page", "/static", 200, HTML),
    Kind("400 callback error page", "/oauth2/callback?state=nope&code=x", 400, HTML),
    Kind("200 logout page", "/oauth2/logout", 200, HTML),
    Kind("400 device token answer", "/login/device/token", 400, method="POST", headers=FORM),
]


@pytest.mark.parametrize("kind", KINDS, ids=[k.id for k in KINDS])
async def test_every_answer_the_gateway_makes_carries_its_page_headers(gateway: GatewayHandle, kind: Kind) -> None:
    if kind.id == "429 throttle":
        await raw_request(gateway.url, kind.target)
    headers = [("Accept", kind.accept), *kind.headers]
    body = b"grant_type=x" if kind.method == "POST" else b""
    answer = await raw_request(gateway.url, kind.target, method=kind.method, headers=headers, body=body, head=kind.head)
    assert answer.status == kind.status, answer.body
    assert answer.header("Server") == "gateway"
    assert answer.header("X-Content-Type-Options") == "nosniff"
    assert "no-store" in (answer.header("Cache-Control") or "")
    if (answer.header("Content-Type") or "").startswith("text/html"):
        assert "frame-ancestors 'none'" in (answer.header("Content-Security-Policy") or "")
        assert answer.header("X-Frame-Options") == "DENY"
    if kind.status == 401:
        assert answer.header("WWW-Authenticate")
    if kind.target.startswith("/oauth2/callback"):
        assert b">Sign in again</a>" in answer.body


async def test_an_upstream_answer_is_relayed_without_the_gateway_page_headers(gateway: GatewayHandle) -> None:
    answer = await raw_request(gateway.url, "/echo/x")
    assert answer.status == 200
    assert answer.header("X-Content-Type-Options") is None and answer.header("Cache-Control") is None


async def test_the_admin_and_pdp_listeners_show_no_version_banner(
    routes_dir: Path, http: aiohttp.ClientSession
) -> None:
    async with running_gateway(routes_dir, heap=[pdp_object(TODO_POLICIES)]) as gateway:
        pdp = pdp_url(gateway)
        urls = [gateway.admin + "/health", gateway.admin + "/nothing", pdp + "/.well-known/authzen-configuration"]
        for url in [*urls, pdp + "/access/v1/evaluation"]:
            async with http.get(url) as response:
                assert response.headers["Server"] == "gateway", url
                assert response.headers["X-Content-Type-Options"] == "nosniff", url
        for base in (gateway.admin, pdp):
            answer = await raw_request(base, "/", head=UNPARSABLE)
            assert (answer.status, answer.header("Server")) == (400, "gateway"), base
            assert answer.header("X-Content-Type-Options") == "nosniff", base


# More pending sign-ins than a browser may keep: the next one deletes the oldest as it sets its own.
CROWDED = "; ".join(f"gw_login_{i}=stale" for i in range(7))


@pytest.mark.parametrize(("secure", "flagged"), [(True, True), ("auto", False)], ids=["secure", "auto over http"])
async def test_every_cookie_the_gateway_sets_is_secure_when_sessions_secure_says_so(
    tmp_path: Path, upstream: Upstream, secure: bool | str, flagged: bool
) -> None:
    async with _gateway(tmp_path, upstream, sessions={"secure": secure}) as gateway:
        answer = await raw_request(gateway.url, "/app/data", headers=[("Accept", HTML), ("Cookie", CROWDED)])
    cookies = answer.all("Set-Cookie")
    assert answer.status == 302 and len(cookies) == 2, cookies
    assert all(("; Secure" in cookie) == flagged for cookie in cookies), cookies
