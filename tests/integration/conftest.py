"""A gateway in this process with one route sending everything to the real upstream."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.gateway import GatewayHandle, running_gateway, write_route
from tests.support.upstream import Upstream, proxy_route


@pytest.fixture
async def gateway(routes_dir: Path, upstream: Upstream) -> AsyncIterator[GatewayHandle]:
    """A gateway whose only route proxies to the `upstream` fixture."""
    write_route(routes_dir, "50-upstream.json", proxy_route(upstream.url))
    async with running_gateway(routes_dir) as handle:
        yield handle
