"""The cluster of the scale tests: three gateway instances behind nginx, on the store each module names."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tests.support.cluster import Cluster, running_cluster


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def cluster(tmp_path_factory: pytest.TempPathFactory, store: dict[str, Any]) -> AsyncIterator[Cluster]:
    """Three instances sharing `store` (the module's fixture: the settings' `store` section)."""
    async with running_cluster(tmp_path_factory.mktemp("cluster"), store) as started:
        yield started
