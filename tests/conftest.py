"""Shared fixtures: a real upstream and a real gateway on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.support.upstream import Upstream, running_upstream

pytest_plugins = ["tests.support.fixtures"]


@pytest.fixture
async def upstream() -> AsyncIterator[Upstream]:
    """An echo upstream on a free loopback port."""
    async with running_upstream() as server:
        yield server


@pytest.fixture
def routes_dir(tmp_path: Path) -> Path:
    """An empty routes folder."""
    folder = tmp_path / "routes"
    folder.mkdir()
    return folder


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain HTTP client that does not follow redirects by default."""
    async with aiohttp.ClientSession(auto_decompress=False) as session:
        yield session
