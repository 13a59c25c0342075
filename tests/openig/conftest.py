"""Fixtures of the OpenIG compatibility tests: the legacy application the corpus routes point at."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.openig.legacy_app import legacy_app


@pytest.fixture
async def app_url(aiohttp_server: Any) -> AsyncIterator[str]:
    """The legacy application's origin."""
    server = await aiohttp_server(legacy_app())
    yield str(server.make_url("")).rstrip("/")
