"""A gateway on a routes folder the test writes to, and a client that reads status and body."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest

from tests.support.gateway import GatewayHandle, running_gateway

Get = Callable[[str], Awaitable[tuple[int, str]]]


@pytest.fixture
async def gateway(routes_dir: Path) -> AsyncIterator[GatewayHandle]:
    """A gateway watching the (initially empty) `routes_dir`."""
    async with running_gateway(routes_dir) as handle:
        yield handle


@pytest.fixture
def get(gateway: GatewayHandle, http: aiohttp.ClientSession) -> Get:
    """GET a path of the main listener: (status, body)."""

    async def fetch(path: str) -> tuple[int, str]:
        async with http.get(gateway.url + path) as response:
            return response.status, await response.text()

    return fetch


def static_route(path: str, entity: str, status: int = 200) -> dict[str, object]:
    """A route answering `entity` on exactly `path`."""
    return {
        "condition": f"${{request.uri.path == '{path}'}}",
        "handler": {"type": "StaticResponseHandler", "config": {"status": status, "entity": entity}},
    }
