"""Acceptance: all 25 rows of the AuthZEN API-gateway interop table come out right through a real
gateway (BearerTokenFilter with test-signed JWTs, then PolicyEnforcementFilter): proxied exactly
the permitted rows, 403 for the others, the upstream never seeing a denied request; with the
built-in PDP served over HTTP as AuthZEN (through an AuthZenPdp), with it in-process, and with the
Cerbos PDP, a third party, run on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.policy.conftest import GATEWAY_POLICIES, HERE, PDP_TOKEN, pdp_object, pdp_url
from tests.policy.interop import ROWS, run_rows, signer_provider, write_interop_route
from tests.support.cerbos import running_cerbos
from tests.support.gateway import running_gateway
from tests.support.signer_issuer import SignerIssuer
from tests.support.upstream import Upstream

CERBOS_POLICIES = HERE / "cerbos"


@pytest.fixture
async def served_pdp(tmp_path: Path) -> AsyncIterator[str]:
    """Another gateway whose global heap serves the interop policies as an AuthZEN PDP."""
    empty = tmp_path / "pdp-routes"
    empty.mkdir()
    async with running_gateway(empty, heap=[pdp_object(GATEWAY_POLICIES)], state=str(tmp_path / "pdp-state")) as pdp:
        yield pdp_url(pdp)


CheckRows = Callable[..., Awaitable[None]]


@pytest.fixture
def check_rows(
    signer: SignerIssuer, upstream: Upstream, routes_dir: Path, tmp_path: Path, http: aiohttp.ClientSession
) -> CheckRows:
    """Runs all the rows through a gateway asking `pdp` (a heap name or an inline object), with the
    signer's provider and any other heap objects given, and checks every outcome."""

    async def check(pdp: Any, *heap: dict[str, Any], **pep: Any) -> None:
        write_interop_route(routes_dir, upstream, pdp, cache={"enabled": False}, **pep)
        objects = [signer_provider(signer), *heap]
        async with running_gateway(routes_dir, heap=objects, state=str(tmp_path / "s")) as gateway:
            outcomes = await run_rows(gateway, signer, upstream, http)
            assert len(outcomes) == len(ROWS) == 25
            assert [o for o in outcomes if not o.right] == []
            assert sum(o.forwarded for o in outcomes) == sum(row["expected"] for row in ROWS) == 19

    return check


async def test_interop_rows_with_the_builtin_pdp_over_authzen(served_pdp: str, check_rows: CheckRows) -> None:
    await check_rows({"type": "AuthZenPdp", "config": {"url": served_pdp, "token": PDP_TOKEN}})


async def test_interop_rows_with_the_builtin_pdp_in_process(check_rows: CheckRows) -> None:
    await check_rows("pdp", pdp_object(GATEWAY_POLICIES, listen=None, tokens=[]))


async def test_interop_rows_with_cerbos_as_a_third_party_authzen_pdp(check_rows: CheckRows, tmp_path: Path) -> None:
    async with running_cerbos(CERBOS_POLICIES, tmp_path) as cerbos:
        await check_rows({"type": "AuthZenPdp", "config": {"url": cerbos}})


async def test_requirements_go_to_cerbos_as_one_batch(check_rows: CheckRows, tmp_path: Path) -> None:
    """A write needs `GET` on /todos too: Cerbos answers both questions in one evaluations call."""
    requirement = {"action": "GET", "resourceId": "/todos"}
    async with running_cerbos(CERBOS_POLICIES, tmp_path) as cerbos:
        await check_rows({"type": "AuthZenPdp", "config": {"url": cerbos}}, requirements=[requirement])
