"""What a refusal looks like: a browser gets an HTML page showing the PDP's `reason_user`, an API
JSON; `reason_admin` never reaches the client. The decision is in `${policy.decision}`; anonymous
callers are asked about as `{type: anonymous}`; the decision is in capture records; config errors
name their JSON path."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from tests.capture.conftest import jsonl_records
from tests.policy.conftest import GATEWAY_POLICIES, pdp_object
from tests.policy.interop import TEMPLATES, signer_provider, write_interop_route
from tests.support.gateway import running_gateway, write_route
from tests.support.signer_issuer import SignerIssuer
from tests.support.upstream import Upstream

BETH = "CiRmZDM2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs"
REASON_USER = "Only editors and admins may change todos."


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
async def test_a_deny_shows_reason_user_and_never_reason_admin(
    signer: SignerIssuer, upstream: Upstream, routes_dir: Path, tmp_path: Path, http: aiohttp.ClientSession,
    accept: str,
) -> None:  # fmt: skip
    write_interop_route(routes_dir, upstream, "pdp")
    heap = [signer_provider(signer), pdp_object(GATEWAY_POLICIES, listen=None, tokens=[])]
    async with running_gateway(routes_dir, heap=heap, state=str(tmp_path / "s")) as gateway:
        headers = {"Authorization": f"Bearer {signer.access_token(sub=BETH)}", "Accept": accept}
        async with http.delete(f"{gateway.url}/todos/7", headers=headers) as response:
            assert response.status == 403
            assert response.content_type == accept
            body = await response.text()
    assert REASON_USER in body
    assert "policy" not in body.lower()  # reason_admin names the policy; it stays in the log
    assert upstream.seen == []


async def test_the_decision_reaches_expressions_and_anonymous_callers_are_a_subject(
    upstream: Upstream, routes_dir: Path, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    policies = tmp_path / "public.yaml"
    policies.write_text(GATEWAY_POLICIES.read_text().replace("subjects: [{authenticated: true}]", "subjects: [{}]"))
    filters = [
        {"type": "PolicyEnforcementFilter", "config": {"pdp": "pdp", "resources": TEMPLATES}},
        {"type": "HeaderFilter", "config": {"messageType": "REQUEST",
                                            "add": {"X-Decision": "${policy.decision} from ${policy.source}"}}},
    ]  # fmt: skip
    chain = {"type": "Chain", "config": {"filters": filters, "handler": "ClientHandler"}}
    write_route(routes_dir, "10-public.json", {"name": "public", "baseURI": upstream.url, "handler": chain})
    heap = [pdp_object(policies, listen=None, tokens=[])]
    async with running_gateway(routes_dir, heap=heap, state=str(tmp_path / "s")) as gateway:
        async with http.get(f"{gateway.url}/todos") as response:
            assert response.status == 200
        async with http.post(f"{gateway.url}/todos") as response:
            assert response.status == 403
    assert [dict(r["headers"])["X-Decision"] for r in upstream.seen] == ["permit from pdp"]


BAD_FILTERS = [
    ({"resources": ["/a/{x}/{x}"]}, "$.handler.config.filters[0].config.resources[0]"),
    ({"pdp": "nothing"}, "$.handler.config.filters[0].config.pdp"),
    ({"pdp": "ClientHandler"}, "$.handler.config.filters[0].config.pdp"),
    ({"pdp": None}, "$.handler.config.filters[0].config.pdp"),
    ({"onError": 500}, "$.handler.config.filters[0].config.onError"),
    ({"action": "${nope.x}"}, "$.handler.config.filters[0].config.action"),
]


@pytest.mark.parametrize(("config", "path"), BAD_FILTERS)
async def test_a_bad_filter_config_names_its_json_path(
    upstream: Upstream, routes_dir: Path, tmp_path: Path, http: aiohttp.ClientSession, config: dict[str, object],
    path: str,
) -> None:  # fmt: skip
    pep = {"type": "PolicyEnforcementFilter", "config": {"pdp": "pdp"} | config}
    chain = {"type": "Chain", "config": {"filters": [pep], "handler": "ClientHandler"}}
    write_route(routes_dir, "10-bad.json", {"name": "bad", "baseURI": upstream.url, "handler": chain})
    heap = [pdp_object(GATEWAY_POLICIES, listen=None, tokens=[])]
    async with (
        running_gateway(routes_dir, heap=heap, state=str(tmp_path / "s")) as gateway,
        http.get(f"{gateway.admin}/admin/api/routes") as response,
    ):
        route = (await response.json())["routes"][0]
    assert route["state"] == "fail-closed"
    assert any(error["path"] == path for error in route["errors"]), route["errors"]


async def test_the_decision_is_in_the_capture_record(
    upstream: Upstream, routes_dir: Path, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    policies = tmp_path / "public.yaml"
    policies.write_text(GATEWAY_POLICIES.read_text().replace("subjects: [{authenticated: true}]", "subjects: [{}]"))
    capture = {"format": "jsonl", "captureContext": True}
    route = {
        "name": "public", "baseURI": upstream.url,
        "heap": [{"name": "json", "type": "CaptureDecorator", "config": capture},
                 {"name": "up", "type": "ClientHandler", "capture": {"decorator": "json", "points": ["request"]}}],
        "handler": {"type": "Chain", "config": {"filters": [
            {"type": "PolicyEnforcementFilter", "config": {"pdp": "pdp", "resources": TEMPLATES}}], "handler": "up"}},
    }  # fmt: skip
    write_route(routes_dir, "10-public.json", route)
    heap = [pdp_object(policies, listen=None, tokens=[])]
    folder = tmp_path / "capture"
    async with running_gateway(routes_dir, heap=heap, state=str(tmp_path / "s"), capture={"dir": str(folder)}) as gw:
        async with http.get(f"{gw.url}/todos/3") as response:
            assert response.status == 200
        (record,) = await jsonl_records(gw, folder, "public", 1)
    policy = record["context"]["policy"]
    assert (policy["decision"], policy["source"]) == ("permit", "pdp")
    assert "signed-in-read" in policy["reason"]
