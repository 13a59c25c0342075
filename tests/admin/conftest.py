"""Fixtures of the studio's admin API tests: a gateway with the studio on, and a client of its API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.support.gateway import GatewayHandle
from tests.support.studio import Api, studio_gateway


@pytest.fixture
async def studio(tmp_path: Path, routes_dir: Path) -> AsyncIterator[GatewayHandle]:
    async with studio_gateway(tmp_path, routes_dir) as handle:
        yield handle


@pytest.fixture
async def api(studio: GatewayHandle, http: aiohttp.ClientSession) -> Api:
    return await Api(http, studio.admin).start()
