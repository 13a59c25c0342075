"""Fixtures shared by every test folder (a pytest plugin of the root conftest): a gateway proxying to the
real upstream, and route files served through a real gateway, with readers of what came back."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.support.gateway import GatewayHandle, running_gateway, write_route
from tests.support.process import free_port
from tests.support.signer_issuer import SignerIssuer
from tests.support.upstream import Upstream, proxy_route

Serve = Callable[..., Awaitable[GatewayHandle]]
ServerFactory = Callable[[web.Application], Awaitable[TestServer]]


class Clock:
    """A clock the test moves by hand (`now` in seconds; wall-clock time where stores must agree)."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    """A hand-moved clock at 1000 s."""
    return Clock()


@pytest.fixture
async def signer(aiohttp_server: ServerFactory) -> SignerIssuer:
    """An issuer whose tokens and introspection answers the test chooses."""
    issuer = SignerIssuer()
    server = await aiohttp_server(issuer.app())
    issuer.url = str(server.make_url("")).rstrip("/")
    return issuer


@pytest.fixture(scope="module")
def port() -> int:
    """A free loopback port, for a gateway whose address its provider must know before it starts."""
    return free_port()


@pytest.fixture
async def gateway(routes_dir: Path, upstream: Upstream) -> AsyncIterator[GatewayHandle]:
    """A gateway whose only route proxies to the `upstream` fixture."""
    write_route(routes_dir, "50-upstream.json", proxy_route(upstream.url))
    async with running_gateway(routes_dir) as handle:
        yield handle


@pytest.fixture
async def serve(routes_dir: Path, tmp_path: Path) -> AsyncIterator[Serve]:
    """`await serve(**{"10-a.json": route})` starts a gateway on those route files."""
    async with AsyncExitStack() as stack:

        async def start(**files: dict[str, Any]) -> GatewayHandle:
            for name, route in files.items():
                write_route(routes_dir, name, route)
            capture = {"dir": str(tmp_path / "capture")}
            return await stack.enter_async_context(running_gateway(routes_dir, capture=capture))

        yield start


def seen_headers(body: bytes, name: str) -> list[str]:
    """Values of header `name` in an echo record, in the order the upstream received them."""
    return [value for key, value in json.loads(body)["headers"] if key.lower() == name.lower()]


def chain(filters: list[Any], handler: Any = "ClientHandler") -> dict[str, Any]:
    """An inline Chain."""
    return {"type": "Chain", "config": {"filters": filters, "handler": handler}}


def header_filter(message_type: str, **config: Any) -> dict[str, Any]:
    """An inline HeaderFilter."""
    return {"type": "HeaderFilter", "config": {"messageType": message_type, **config}}
