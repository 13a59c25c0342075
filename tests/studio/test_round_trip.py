"""Route JSON through the studio's form and back, in the browser: nothing written by hand is lost."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Page

from tests.support.gateway import GatewayHandle
from tests.support.studio import Api, studio_gateway, throttled_route

pytestmark = pytest.mark.slow
EXAMPLES = Path(__file__).resolve().parents[2] / "routes"
ROUND_TRIP = """async (route) => {
  const m = await import('/studio/js/model.js');
  const t = await import('/studio/js/text.js');
  const back = m.applyForm(route, m.fromRoute(route));
  return {back, text: t.render(back)};
}"""


@pytest.fixture
async def gateway(tmp_path: Path, routes_dir: Path) -> AsyncIterator[GatewayHandle]:
    async with studio_gateway(tmp_path, routes_dir) as handle:
        yield handle


def hand_written() -> dict[str, Any]:
    route = throttled_route("/a")
    route["comment"] = "kept"
    route["heap"][0]["config"]["onStoreError"] = "deny"
    route["heap"].append({"name": "extra", "type": "HeaderFilter", "config": {"messageType": "RESPONSE"}})
    route["handler"]["config"]["filters"].append("extra")
    return route


def authorized_by_hand() -> dict[str, Any]:
    """Every setting of the authorization panel, and the filter's keys the panel does not show."""
    config = {
        "pdp": "policies",
        "resources": ["/todos", "/todos/{todoId}"],
        "resourceType": "api",
        "claims": ["groups", "email"],
        "action": "${request.method}",
        "requirements": [
            {"action": "GET", "resourceId": "/todos"},
            {"action": "read", "resourceType": "list", "resourceId": "${request.uri.path}"},
        ],
        "onError": 403,
        "login": "signin",
        "cache": {"enabled": False, "ttl": 30, "denyTtl": "2 s", "size": 100},
        "headers": {"X-Role": "${policy.attributes.role[0]}"},
        "context": {"clientAddress": "${contexts.client.remoteAddress}"},
    }
    openig = {"openamUrl": "http://am.example.com/openam/", "pepUsername": "pep", "realm": "/", "application": "web"}
    return {
        "name": "authorized-by-hand",
        "baseURI": "http://127.0.0.1:9",
        "heap": [
            {"name": "local", "type": "PolicyDecisionPoint", "config": {"file": "policies/todo.yaml"}},
            {"name": "pep", "type": "PolicyEnforcementFilter", "config": config},
            {"name": "openig", "type": "PolicyEnforcementFilter", "config": openig},
        ],
        "handler": {"type": "Chain", "config": {"filters": ["pep", "openig"], "handler": "ClientHandler"}},
    }


def authorized_inline() -> dict[str, Any]:
    """A PDP declared inside the filter rather than named."""
    pdp = {"type": "AuthZenPdp", "config": {"url": "http://127.0.0.1:9"}}
    config = {"pdp": pdp, "resources": ["/todos"]}
    return {
        "name": "authorized-inline",
        "baseURI": "http://127.0.0.1:9",
        "heap": [{"name": "authorize", "type": "PolicyEnforcementFilter", "config": config}],
        "handler": {"type": "Chain", "config": {"filters": ["authorize"], "handler": "ClientHandler"}},
    }


def examples() -> dict[str, dict[str, Any]]:
    found = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("*.json"))}
    return found | {
        "hand-written": hand_written(),
        "authorized-by-hand": authorized_by_hand(),
        "authorized-inline": authorized_inline(),
    }


async def test_form_round_trip_keeps_every_route_as_written(
    gateway: GatewayHandle, page: Page, http: aiohttp.ClientSession
) -> None:
    await page.goto(f"{gateway.admin}/studio/")
    api = await Api(http, gateway.admin).start()
    for name, route in examples().items():
        result = await page.evaluate(ROUND_TRIP, route)
        assert result["back"] == route, name
        # The page's text is the gateway's: what the page shows is what a deploy writes.
        _, checked = await api.call("POST", "/admin/api/validate", {"route": route})
        assert checked["text"] == result["text"], name
