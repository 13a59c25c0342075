"""Fixtures of the authorization tests: the interop vectors, policy files, a served built-in PDP."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.gateway import GatewayHandle, running_gateway

HERE = Path(__file__).resolve().parent
INTEROP = HERE / "interop"
TODO_POLICIES = HERE / "todo-policies.yaml"
GATEWAY_POLICIES = HERE / "gateway-policies.yaml"
PDP_TOKEN = "pdp-test-token-0123456789"


def vectors(name: str) -> Any:
    """One of the AuthZEN interop decision files."""
    return json.loads((INTEROP / name).read_text(encoding="utf-8"))


def pdp_object(file: Path, name: str = "pdp", **config: Any) -> dict[str, Any]:
    """A global-heap PolicyDecisionPoint serving `file` on a free loopback port."""
    base = {"file": str(file), "listen": "127.0.0.1:0", "tokens": [PDP_TOKEN]}
    return {"name": name, "type": "PolicyDecisionPoint", "config": base | config}


def pdp_url(gateway: GatewayHandle, name: str = "pdp") -> str:
    """The served PDP's identifier."""
    pdp = gateway.runtime.heap.typed(name, "$", gateway.runtime.heap.ctx, object)
    return f"http://{pdp.address}"


@pytest.fixture
async def todo_pdp(routes_dir: Path) -> AsyncIterator[tuple[GatewayHandle, str]]:
    """A gateway whose global heap serves the Todo policies as an AuthZEN PDP."""
    async with running_gateway(routes_dir, heap=[pdp_object(TODO_POLICIES)]) as gateway:
        yield gateway, pdp_url(gateway)
