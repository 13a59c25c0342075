"""A gateway whose only provider is the test signer (`fake_op`), and a browser walk through it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from multidict import CIMultiDictProxy
from yarl import URL

from tests.support.fake_op import CLIENT_ID, CLIENT_SECRET, FakeOp
from tests.support.gateway import GatewayHandle
from tests.support.login_support import login_gateway, login_route, provider, public_route


@dataclass
class Hop:
    """One response on the way: where, what status, which headers."""

    url: URL
    status: int
    headers: CIMultiDictProxy[str]
    body: str


@asynccontextmanager
async def fake_gateway(
    tmp_path: Path, upstream: str, op: FakeOp, **filter_options: Any
) -> AsyncIterator[GatewayHandle]:
    """A gateway with provider `fake`, a login route under /app and a public route for the rest."""
    heap = [provider("fake", op.issuer, CLIENT_ID, CLIENT_SECRET)]
    routes = {
        "10-app.json": login_route(upstream, ["fake"], **filter_options),
        "90-public.json": public_route(upstream),
    }
    async with login_gateway(tmp_path, 0, heap, routes) as gateway:
        yield gateway


async def walk(browser: aiohttp.ClientSession, url: str | URL, *, stop_at: str | None = None) -> list[Hop]:
    """Follow redirects one by one (the cookie jar keeps what each sets); stop before `stop_at`."""
    hops: list[Hop] = []
    target = URL(str(url))
    for _ in range(10):
        if stop_at is not None and str(target).startswith(stop_at):
            return hops
        async with browser.get(target, allow_redirects=False) as response:
            hops.append(Hop(target, response.status, response.headers, await response.text()))
            location = response.headers.get("Location")
        if response.status not in (301, 302, 303, 307, 308) or location is None:
            return hops
        target = target.join(URL(location))
    raise AssertionError(f"too many redirects from {url}")


def callback_hop(hops: list[Hop]) -> Hop:
    """The gateway's answer at the callback."""
    return next(h for h in hops if h.url.path == "/oauth2/callback")
