"""What the routes list says a route uses: authorization, whether a PDP is named or OpenIG's fields are."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp

from gateway.admin.summary import capabilities
from tests.support.studio import Api, notes_pdp, studio_gateway

EXAMPLES = Path(__file__).resolve().parents[2] / "routes"


def test_a_policy_enforcement_filter_is_listed_as_authorization() -> None:
    route = json.loads((EXAMPLES / "60-authorized.json").read_text(encoding="utf-8"))
    assert capabilities(route) == ["authentication", "authorization"]


def test_an_openig_filter_with_openam_fields_is_listed_as_authorization() -> None:
    pep = {"type": "PolicyEnforcementFilter", "config": {"openamUrl": "http://am/openam/", "pepUsername": "pep"}}
    route = {"handler": {"type": "Chain", "config": {"filters": [pep], "handler": "ClientHandler"}}}
    assert capabilities(route) == ["authorization"]


async def test_the_studio_context_lists_the_global_heaps_pdps(
    tmp_path: Path, routes_dir: Path, http: aiohttp.ClientSession
) -> None:
    authzen = {"name": "remote", "type": "AuthZenPdp", "config": {"url": "http://127.0.0.1:9"}}
    async with studio_gateway(tmp_path, routes_dir, heap=[notes_pdp(tmp_path), authzen]) as gateway:
        api = Api(http, gateway.admin)
        status, body = await api.call("GET", "/admin/api/studio")
    assert status == 200
    assert body["pdps"] == [
        {"name": "policies", "type": "PolicyDecisionPoint"},
        {"name": "remote", "type": "AuthZenPdp"},
    ]
