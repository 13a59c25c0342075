"""Login endpoint fixtures: the test signer as an OpenID provider, and a gateway whose only provider it is;
the real provider and a browser logged in through it, for the modules that build their own gateway."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from idp.driver import IdP, login
from tests.support.fake_login import fake_gateway
from tests.support.fake_op import FakeOp, running_op
from tests.support.gateway import GatewayHandle
from tests.support.login_support import html_browser, real_idp
from tests.support.upstream import Upstream


@pytest.fixture
async def op() -> AsyncIterator[FakeOp]:
    """The test signer, serving discovery, JWKS, authorization and token endpoints on loopback."""
    async with running_op() as server:
        yield server


@pytest.fixture
async def gateway(tmp_path: Path, upstream: Upstream, op: FakeOp) -> AsyncIterator[GatewayHandle]:
    """A gateway logging in at `op` in front of `upstream` (a module may define its own)."""
    async with fake_gateway(tmp_path, upstream.url, op) as handle:
        yield handle


@pytest.fixture(scope="module")
def idp(port: int) -> Iterator[IdP]:
    """The real OpenID provider, redirecting back to a gateway on `port`."""
    with real_idp(f"http://127.0.0.1:{port}") as server:
        yield server


@pytest.fixture
async def browser(gateway: GatewayHandle) -> AsyncIterator[aiohttp.ClientSession]:
    """A browser logged in as alice."""
    async with html_browser() as session:
        await login(session, gateway.url + "/app/start", "alice")
        yield session
