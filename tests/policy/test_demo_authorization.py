"""The demo's authorized route, as shipped (routes/60-authorized.json, demo/policies.yaml): after
logging in at the real provider, alice (an admin) may DELETE a todo and bob may not."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from idp.driver import IdP, login
from tests.support.gateway import GatewayHandle
from tests.support.login_support import html_browser, idp_provider, login_gateway, real_idp
from tests.support.process import free_port
from tests.support.upstream import Upstream

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
ACCOUNTS = json.loads((ROOT / "demo" / "idp.json").read_text())["accounts"]


@pytest.fixture(scope="module")
def port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def idp(port: int) -> Iterator[IdP]:
    with real_idp(f"http://127.0.0.1:{port}", accounts=ACCOUNTS) as server:
        yield server


@pytest.fixture
async def gateway(tmp_path: Path, port: int, idp: IdP, upstream: Upstream) -> AsyncIterator[GatewayHandle]:
    route = json.loads((ROOT / "routes" / "60-authorized.json").read_text())
    route["baseURI"] = upstream.url
    pdp = {"name": "demo-pdp", "type": "PolicyDecisionPoint", "config": {"file": str(ROOT / "demo" / "policies.yaml")}}
    heap = [idp_provider("demo-idp", idp), pdp]
    async with login_gateway(tmp_path, port, heap, {"60-authorized.json": route}) as handle:
        yield handle


def _is_role(name: str) -> bool:
    return name.lower().replace("_", "-") == "x-role"


@pytest.mark.parametrize(("user", "status"), [("alice", 200), ("bob", 403)])
async def test_only_the_admin_may_delete(gateway: GatewayHandle, upstream: Upstream, user: str, status: int) -> None:
    async with html_browser() as browser:
        await login(browser, gateway.url + "/todos", user)
        forged = {"X-Role": "admin", "X_Role": "admin"}  # smuggled by the client: never reaches the upstream
        async with browser.delete(gateway.url + "/todos/1", allow_redirects=False, headers=forged) as response:
            assert response.status == status
    roles = [(r["method"], [v for k, v in r["headers"] if _is_role(k)]) for r in upstream.seen]
    assert roles == [("GET", [])] + ([("DELETE", ["admin"])] if status == 200 else [])
