"""Two real gateways on loopback and the real OpenID provider: A pushes to B and B polls A; B
pushes to A. A user logged in at both (one provider session) who logs out at one is logged out at
the other within a second, and neither echoes the other's SET back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from yarl import URL

from idp.driver import IdP, login, parse_forms, web_client_metadata
from tests.sessions.conftest import Recorder
from tests.signals.conftest import signals_of
from tests.support.gateway import GatewayHandle
from tests.support.login_support import (
    BACKCHANNEL,
    CALLBACK,
    LOGOUT,
    html_browser,
    login_gateway,
    login_route,
    provider,
    public_route,
)  # fmt: skip
from tests.support.process import free_port
from tests.support.upstream import Upstream

pytestmark = pytest.mark.slow
POLL_TOKEN = "b-polls-a-0123456789"
SECRETS = {"a": "secret-of-gateway-a-0123456789", "b": "secret-of-gateway-b-0123456789"}


@pytest.fixture(scope="module")
def ports() -> dict[str, int]:
    return {"a": free_port(), "b": free_port()}


def _url(ports: dict[str, int], name: str) -> str:
    return f"http://127.0.0.1:{ports[name]}"


@pytest.fixture(scope="module")
def idp(ports: dict[str, int]) -> Iterator[IdP]:
    clients = [
        web_client_metadata(
            [_url(ports, n) + CALLBACK], client_id=f"gateway-{n}", client_secret=SECRETS[n],
            post_logout_redirect_uris=[_url(ports, n) + LOGOUT], backchannel_logout_uri=_url(ports, n) + BACKCHANNEL,
        )
        for n in ("a", "b")
    ]  # fmt: skip
    with IdP(clients=clients) as server:
        yield server


def _signals(ports: dict[str, int], me: str, peer: str, *, poll_peer: bool) -> dict[str, Any]:
    mine, theirs = _url(ports, me), _url(ports, peer)
    # oidc-provider gives each client its own `sid`, so the gateways (two clients) name the user.
    push = {"id": f"push-{peer}", "endpoint": theirs + "/ssf/events", "aud": theirs, "subjectFormat": "iss_sub"}
    streams: list[dict[str, Any]] = [push]
    if me == "a":
        streams.append({"id": "poll-b", "aud": theirs, "pollToken": POLL_TOKEN, "subjectFormat": "iss_sub"})
    receiver: dict[str, Any] = {"issuers": [{"iss": theirs, "jwksUrl": theirs + "/ssf/jwks"}]}
    if poll_peer:
        receiver["poll"] = [{"endpoint": theirs + "/ssf/poll/poll-b", "auth": f"Bearer {POLL_TOKEN}", "timeout": "2 s"}]
    return {"enabled": True, "issuer": mine, "streams": streams, "receiver": receiver, "longPoll": "2 s",
            "backoff": "100 ms", "maxBackoff": "500 ms"}  # fmt: skip


@pytest.fixture
async def gateways(
    tmp_path: Path, ports: dict[str, int], idp: IdP, upstream: Upstream
) -> AsyncIterator[dict[str, GatewayHandle]]:
    started = {}
    async with AsyncExitStack() as stack:
        for me, peer in (("a", "b"), ("b", "a")):
            heap = [provider("corp", idp.issuer, f"gateway-{me}", SECRETS[me], scopes=["openid", "email", "profile"])]
            routes = {"10-app.json": login_route(upstream.url, ["corp"]), "90-public.json": public_route(upstream.url)}
            settings = {
                "sessions": {"cookieName": f"gw{me}"},
                "signals": _signals(ports, me, peer, poll_peer=me == "b"),
            }
            folder = tmp_path / me
            folder.mkdir()
            started[me] = await stack.enter_async_context(login_gateway(folder, ports[me], heap, routes, **settings))
        yield started


async def _alive(gateway: GatewayHandle, cookie: str) -> bool:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as client:
        headers = {"Cookie": cookie, "Accept": "application/json"}
        async with client.get(gateway.url + "/app/check", headers=headers, allow_redirects=False) as response:
            return response.status == 200


def _cookie(browser: aiohttp.ClientSession, name: str) -> str:
    return "; ".join(f"{c.key}={c.value}" for c in browser.cookie_jar if c.key.startswith(name) and c.value)


async def _logout(browser: aiohttp.ClientSession, gateway: GatewayHandle) -> None:
    async with browser.get(URL(gateway.url + LOGOUT).with_query(rd="/")) as response:
        [form] = parse_forms(await response.text())
    async with browser.post(gateway.url + LOGOUT, data=form.fields, allow_redirects=False) as response:
        assert response.status == 302


async def _refused_within(gateway: GatewayHandle, cookie: str, seconds: float) -> bool:
    for _ in range(int(seconds / 0.05)):
        if not await _alive(gateway, cookie):
            return True
        await asyncio.sleep(0.05)
    return not await _alive(gateway, cookie)


@pytest.mark.parametrize(("at", "other"), [("a", "b"), ("b", "a")])
async def test_logout_at_one_gateway_ends_the_session_at_the_other_within_a_second(
    gateways: dict[str, GatewayHandle], at: str, other: str
) -> None:
    ended = {name: Recorder(g.runtime.services.events) for name, g in gateways.items()}
    async with html_browser() as browser:
        for name in ("a", "b"):
            await login(browser, gateways[name].url + "/app/start", "alice")
        cookies = {name: _cookie(browser, f"gw{name}") for name in ("a", "b")}
        assert all([await _alive(gateways[n], cookies[n]) for n in ("a", "b")])
        await _logout(browser, gateways[at])
    assert await _refused_within(gateways[other], cookies[other], 1.0)
    await asyncio.sleep(1.0)  # time for any echo to come back
    assert [(e.subject, e.reason) for e in ended[at].events] == [("alice", "logout")]
    assert [(e.subject, e.reason) for e in ended[other].events] == [("alice", "signal")]
    signals_a = signals_of(gateways["a"])
    polled = signals_a.metrics.deliveries.labels("poll-b", "acked")._value.get()
    assert polled == (1 if at == "a" else 0)  # B polled A's SET and acknowledged it
    assert await signals_a.outbox.peek("poll-b", 10) == []
