"""The sessions admin API on a real gateway: list, revoke by id or by subject, clear errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.sessions.conftest import ISSUER, SECRET, cookie_header, manager_of, mint, private_route
from tests.support.gateway import GatewayHandle, running_gateway, write_route
from tests.support.polling import eventually


@pytest.fixture
async def gateway(routes_dir: Path, state: Path) -> AsyncIterator[GatewayHandle]:
    write_route(routes_dir, "10-private.json", private_route())
    async with running_gateway(routes_dir, state=str(state), sessions={"secret": SECRET}) as gw:
        yield gw


async def revoke(http: aiohttp.ClientSession, gw: GatewayHandle, body: Any) -> tuple[int, dict[str, Any]]:
    async with http.post(f"{gw.admin}/admin/api/sessions/revoke", json=body) as response:
        return response.status, await response.json()


async def status(http: aiohttp.ClientSession, gw: GatewayHandle, cookies: Any) -> int:
    async with http.get(f"{gw.url}/private", headers=cookie_header(cookies)) as response:
        return response.status


async def test_listing_shows_a_subjects_sessions_without_tokens(
    gateway: GatewayHandle, http: aiohttp.ClientSession
) -> None:
    mine = {(await mint(manager_of(gateway))).id for _ in range(2)}
    await mint(manager_of(gateway), "bob")
    async with http.get(f"{gateway.admin}/admin/api/sessions", params={"sub": "alice", "iss": ISSUER}) as response:
        assert response.status == 200
        text = await response.text()
        listed = (await response.json())["sessions"]
    assert {s["sid"] for s in listed} == mine
    assert "access-alice" not in text and "refresh-alice" not in text and "id-alice" not in text


async def test_revoking_a_session_by_id_refuses_its_cookie(gateway: GatewayHandle, http: aiohttp.ClientSession) -> None:
    manager = manager_of(gateway)
    session, other = await mint(manager), await mint(manager)
    cookies, kept = manager.cookies_for(session, secure=False), manager.cookies_for(other, secure=False)
    assert await status(http, gateway, cookies) == 200
    assert await revoke(http, gateway, {"sid": session.id}) == (200, {"revoked": 1})
    assert await revoke(http, gateway, {"sid": session.id}) == (200, {"revoked": 0})

    async def refused() -> bool:
        return await status(http, gateway, cookies) == 401

    await eventually(refused, "the revoked cookie to be refused")
    assert await status(http, gateway, kept) == 200


async def test_revoking_a_subject_ends_all_its_sessions(gateway: GatewayHandle, http: aiohttp.ClientSession) -> None:
    manager = manager_of(gateway)
    alice = [manager.cookies_for(await mint(manager), secure=False) for _ in range(3)]
    bob = manager.cookies_for(await mint(manager, "bob"), secure=False)
    assert await revoke(http, gateway, {"sub": "alice", "iss": ISSUER}) == (200, {"revoked": 3})
    assert [await status(http, gateway, c) for c in alice] == [401, 401, 401]
    assert await status(http, gateway, bob) == 200


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("not json", "not JSON"),
        ([], "JSON object"),
        ({}, "unexpected fields []"),
        ({"sid": ""}, "sid must be a non-empty string"),
        ({"sid": 7}, "sid must be a non-empty string"),
        ({"sub": "alice"}, "unexpected fields ['sub']"),
        ({"sid": "x", "sub": "alice", "iss": ISSUER}, "unexpected fields"),
        ({"sub": "alice", "iss": None}, "iss must be a non-empty string"),
    ],
)
async def test_a_bad_revoke_body_is_refused_naming_the_problem(
    gateway: GatewayHandle, http: aiohttp.ClientSession, body: Any, problem: str
) -> None:
    data = body if isinstance(body, str) else None
    kwargs: dict[str, Any] = {"data": data, "headers": {"Content-Type": "application/json"}} if data else {"json": body}
    async with http.post(f"{gateway.admin}/admin/api/sessions/revoke", **kwargs) as response:
        assert response.status == 400
        answer = await response.json()
    assert answer["error"] == "bad_request" and problem in answer["message"]


async def test_a_revoke_that_is_not_json_typed_is_refused(gateway: GatewayHandle, http: aiohttp.ClientSession) -> None:
    form = aiohttp.FormData({"sid": "x"})
    async with http.post(f"{gateway.admin}/admin/api/sessions/revoke", data=form) as response:
        assert response.status == 415
        assert "application/json" in (await response.json())["message"]


@pytest.mark.parametrize("params", [{}, {"sub": "alice"}, {"iss": ISSUER}, {"sub": "", "iss": ISSUER}])
async def test_listing_needs_sub_and_iss(gateway: GatewayHandle, http: aiohttp.ClientSession, params: Any) -> None:
    async with http.get(f"{gateway.admin}/admin/api/sessions", params=params) as response:
        assert response.status == 400
        assert "must be a non-empty string" in (await response.json())["message"]
