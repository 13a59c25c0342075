"""Acceptance: the decision cache and the audit. 1,000 requests of one subject make one PDP call;
a session end drops that subject's decisions; a policy change applies within 2 s although
permits are cached; the decision log lines and metrics match a known sequence."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from gateway.policy.builtin import PolicyDecisionPoint
from gateway.sessions.model import SessionEnded
from tests.policy.conftest import GATEWAY_POLICIES, PDP_TOKEN, pdp_object, pdp_url
from tests.policy.interop import signer_provider, write_interop_route
from tests.support.gateway import GatewayHandle, running_gateway
from tests.support.signer_issuer import SignerIssuer
from tests.support.upstream import Upstream

RICK = "CiRmZDA2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs"
BETH = "CiRmZDM2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs"


def _pdp(gateway: GatewayHandle) -> PolicyDecisionPoint:
    pdp = gateway.runtime.heap.typed("pdp", "$", gateway.runtime.heap.ctx, PolicyDecisionPoint)
    assert pdp is not None
    return pdp


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[GatewayHandle]:
    """A gateway serving the interop policies over AuthZEN."""
    empty = tmp_path / "pdp-routes"
    empty.mkdir()
    async with running_gateway(empty, heap=[pdp_object(GATEWAY_POLICIES)], state=str(tmp_path / "pdp")) as pdp:
        yield pdp


@pytest.fixture
async def pep(
    served: GatewayHandle, signer: SignerIssuer, upstream: Upstream, routes_dir: Path, tmp_path: Path
) -> AsyncIterator[GatewayHandle]:
    """The gateway under test: interop route, AuthZenPdp to the served PDP, cache on."""
    pdp = {"type": "AuthZenPdp", "config": {"url": pdp_url(served), "token": PDP_TOKEN}}
    write_interop_route(routes_dir, upstream, pdp)
    async with running_gateway(routes_dir, heap=[signer_provider(signer)], state=str(tmp_path / "s")) as gateway:
        yield gateway


async def _status(http: aiohttp.ClientSession, url: str, token: str, method: str = "GET") -> int:
    async with http.request(method, url, headers={"Authorization": f"Bearer {token}"}) as response:
        await response.read()
        return response.status


async def test_a_thousand_requests_of_one_subject_make_one_pdp_call(
    served: GatewayHandle, pep: GatewayHandle, signer: SignerIssuer, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    token = signer.access_token(sub=RICK)
    statuses: list[int] = []
    for _ in range(20):  # 50 at a time: the first burst is answered by one call in flight (single flight)
        statuses += await asyncio.gather(*(_status(http, f"{pep.url}/todos", token) for _ in range(50)))
    assert statuses == [200] * 1000
    assert _pdp(served).evaluations == 1
    assert len(upstream.seen) == 1000


async def test_a_session_end_drops_the_subjects_decisions(
    served: GatewayHandle, pep: GatewayHandle, signer: SignerIssuer, http: aiohttp.ClientSession
) -> None:
    rick, beth = signer.access_token(sub=RICK), signer.access_token(sub=BETH)
    for token in (rick, beth, rick, beth):
        await _status(http, f"{pep.url}/todos", token)
    assert _pdp(served).evaluations == 2
    ended = SessionEnded("sid-1", RICK, signer.url, None, "logout", "user", time.time())
    await pep.runtime.services.events.publish(ended)
    for token in (rick, beth):
        await _status(http, f"{pep.url}/todos", token)
    assert _pdp(served).evaluations == 3  # Rick asked again; Beth still cached


async def test_a_policy_change_applies_within_two_seconds_despite_the_cache(
    signer: SignerIssuer, upstream: Upstream, routes_dir: Path, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    file = tmp_path / "policies.yaml"
    shutil.copy(GATEWAY_POLICIES, file)
    heap = [signer_provider(signer), pdp_object(file, listen=None, tokens=[])]
    write_interop_route(routes_dir, upstream, "pdp", cache={"ttl": "10 minutes"})
    async with running_gateway(routes_dir, heap=heap, state=str(tmp_path / "s")) as gateway:
        token = signer.access_token(sub=BETH)
        assert await _status(http, f"{gateway.url}/todos", token, "POST") == 403
        await asyncio.sleep(0.2)
        file.write_text(file.read_text().replace("contains: editor", "contains: viewer"))
        started = time.monotonic()
        while await _status(http, f"{gateway.url}/todos", token, "POST") != 200:
            assert time.monotonic() - started < 2.0, "the change did not apply within 2 s"
            await asyncio.sleep(0.05)


def _samples(text: str, name: str) -> dict[str, float]:
    out = {}
    for line in text.splitlines():
        if line.startswith(name + "{"):
            labels, _, value = line.rpartition(" ")
            out[labels[len(name) :]] = float(value)
    return out


async def test_the_log_lines_and_metrics_follow_a_known_sequence(
    pep: GatewayHandle, signer: SignerIssuer, http: aiohttp.ClientSession, capsys: pytest.CaptureFixture[str]
) -> None:
    rick, beth = signer.access_token(sub=RICK), signer.access_token(sub=BETH)
    sequence = [(rick, "GET", "/todos", 200), (rick, "GET", "/todos", 200), (beth, "POST", "/todos", 403),
                (beth, "POST", "/todos", 403), (beth, "GET", "/nowhere", 403)]  # fmt: skip
    capsys.readouterr()
    for token, method, path, status in sequence:
        assert await _status(http, f"{pep.url}{path}", token, method) == status
    await asyncio.sleep(0.3)  # the lines are written in batches, a few times a second
    records = [json.loads(line) for line in capsys.readouterr().err.splitlines() if '"gateway.authz"' in line]
    assert all(r["route"] == "interop" and r["request_id"] for r in records)
    lines: list[dict[str, Any]] = [r["authz"] for r in records]
    assert [(x["subject"], x["action"], x["resource"], x["decision"], x["source"]) for x in lines] == [
        (RICK, "GET", "/todos", "permit", "pdp"),
        (RICK, "GET", "/todos", "permit", "cache"),
        (BETH, "POST", "/todos", "deny", "pdp"),
        (BETH, "POST", "/todos", "deny", "cache"),
        (BETH, "GET", "/nowhere", "deny", "pep"),
    ]
    assert lines[0]["pdp_latency"] > 0 and lines[1]["pdp_latency"] is None
    assert "admins-and-editors-write" not in lines[2]["reason"] and "no policy permits" in lines[2]["reason"]
    async with http.get(f"{pep.admin}/metrics") as response:
        text = await response.text()
    assert _samples(text, "gateway_authz_decisions_total") == {
        '{decision="permit",route="interop",source="pdp"}': 1.0,
        '{decision="permit",route="interop",source="cache"}': 1.0,
        '{decision="deny",route="interop",source="pdp"}': 1.0,
        '{decision="deny",route="interop",source="cache"}': 1.0,
        '{decision="deny",route="interop",source="pep"}': 1.0,
    }
    assert _samples(text, "gateway_errors_total") == {'{code="access_denied"}': 3.0}
    counts = _samples(text, "gateway_pdp_latency_seconds_count")
    assert list(counts.values()) == [2.0]
