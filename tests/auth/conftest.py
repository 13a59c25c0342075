"""Login endpoint fixtures: the test signer as an OpenID provider, and a gateway whose only provider it is."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.fake_login import fake_gateway
from tests.support.fake_op import FakeOp, running_op
from tests.support.gateway import GatewayHandle
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
