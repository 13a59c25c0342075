"""The SSF stream management API on the admin listener (SSF 1.0 §8.1)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from gateway.oauth.set import SESSION_REVOKED, VERIFICATION
from gateway.oauth.ssf import POLL, PUSH
from tests.signals.conftest import ISSUER, MANAGER_TOKEN, READER_TOKEN, SECRET, login, manager_of, signals_config
from tests.support.gateway import GatewayHandle, running_gateway
from tests.support.set_receiver import SetReceiver, running_set_receiver
from tests.support.sets import unverified_claims

B = {"Authorization": f"Bearer {MANAGER_TOKEN}"}
C = {"Authorization": f"Bearer {READER_TOKEN}"}


async def call(
    http: aiohttp.ClientSession, gateway: GatewayHandle, method: str, path: str, body: Any = None,
    headers: dict[str, str] | None = None, **query: str,
) -> tuple[int, Any]:  # fmt: skip
    async with http.request(
        method, f"{gateway.admin}/ssf/{path}", json=body, params=query, headers=B if headers is None else headers
    ) as response:
        text = await response.text()
        return response.status, (await response.json()) if text else None


def push_to(url: str) -> dict[str, Any]:
    return {"delivery": {"method": PUSH, "endpoint_url": url, "authorization_header": "Bearer x"},
            "events_requested": [SESSION_REVOKED], "description": "B's push"}  # fmt: skip


async def logout(gateway: GatewayHandle, subject: str = "alice") -> None:
    await manager_of(gateway).end_session(await login(gateway, subject), reason="logout", initiator="user")


async def test_a_stream_is_created_read_updated_replaced_and_deleted(
    http: aiohttp.ClientSession, gateway: GatewayHandle, receiver: SetReceiver
) -> None:
    status, made = await call(http, gateway, "POST", "streams", push_to(receiver.url))
    assert status == 201
    sid = made["stream_id"]
    assert made["iss"] == ISSUER and made["aud"] == "b"
    assert made["delivery"] == {"method": PUSH, "endpoint_url": receiver.url}
    assert made["events_delivered"] == [SESSION_REVOKED]
    assert await call(http, gateway, "GET", "streams", stream_id=sid) == (200, made)
    assert await call(http, gateway, "GET", "streams") == (200, [made])
    status, changed = await call(http, gateway, "PATCH", "streams", {"stream_id": sid, "description": "new"})
    assert status == 200 and changed["description"] == "new" and changed["delivery"] == made["delivery"]
    status, replaced = await call(http, gateway, "PUT", "streams", {"stream_id": sid, "delivery": {"method": POLL}})
    assert status == 200 and replaced["delivery"] == {"method": POLL, "endpoint_url": f"{ISSUER}/ssf/poll/{sid}"}
    assert "description" not in replaced
    assert await call(http, gateway, "DELETE", "streams", stream_id=sid) == (204, None)
    assert (await call(http, gateway, "GET", "streams", stream_id=sid))[0] == 404


async def test_a_created_push_stream_gets_the_next_session_end(
    http: aiohttp.ClientSession, gateway: GatewayHandle
) -> None:
    async with running_set_receiver() as mine:
        await call(http, gateway, "POST", "streams", push_to(mine.url))
        await logout(gateway)
        [token] = await mine.wait_for(1)
    assert unverified_claims(token)["aud"] == "b"
    assert mine.got[0].headers["Authorization"] == "Bearer x"


async def test_status_paused_holds_and_disabled_drops(http: aiohttp.ClientSession, gateway: GatewayHandle) -> None:
    async with running_set_receiver() as mine:
        _, made = await call(http, gateway, "POST", "streams", push_to(mine.url))
        sid = made["stream_id"]
        body = {"stream_id": sid, "status": "paused", "reason": "maintenance"}
        assert await call(http, gateway, "POST", "status", body) == (200, body)
        assert await call(http, gateway, "GET", "status", stream_id=sid) == (
            200,
            {"stream_id": sid, "status": "paused"},
        )
        await logout(gateway, "held")
        await asyncio.sleep(0.5)
        assert not mine.got
        await call(http, gateway, "POST", "status", {"stream_id": sid, "status": "disabled"})
        await logout(gateway, "dropped")
        await call(http, gateway, "POST", "status", {"stream_id": sid, "status": "enabled"})
        await logout(gateway, "after")
        await mine.wait_for(2)
        await asyncio.sleep(0.3)
    subjects = [unverified_claims(t)["sub_id"]["user"]["sub"] for t in mine.accepted]
    assert subjects == ["held", "after"]


async def test_verification_sends_a_set_echoing_the_state(http: aiohttp.ClientSession, gateway: GatewayHandle) -> None:
    async with running_set_receiver() as mine:
        _, made = await call(http, gateway, "POST", "streams", push_to(mine.url))
        assert await call(http, gateway, "POST", "verify", {"stream_id": made["stream_id"], "state": "xyz"}) == (
            204, None,
        )  # fmt: skip
        [token] = await mine.wait_for(1)
    claims = unverified_claims(token)
    assert claims["events"] == {VERIFICATION: {"state": "xyz"}}
    assert claims["sub_id"] == {"format": "opaque", "id": made["stream_id"]}


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [("GET", "streams", {}, 401), ("GET", "streams", {"Authorization": "Bearer nope"}, 401),
     ("POST", "streams", C, 403), ("POST", "verify", C, 403), ("POST", "status", C, 403)],
)  # fmt: skip
async def test_no_token_is_401_and_a_weak_token_403(
    http: aiohttp.ClientSession, gateway: GatewayHandle, method: str, path: str, headers: dict[str, str], status: int
) -> None:
    got, doc = await call(http, gateway, method, path, {}, headers)
    assert got == status and doc["error"] in ("invalid_token", "insufficient_scope")


async def test_one_receiver_cannot_see_anothers_stream(
    http: aiohttp.ClientSession, gateway: GatewayHandle, receiver: SetReceiver
) -> None:
    _, made = await call(http, gateway, "POST", "streams", push_to(receiver.url))
    assert (await call(http, gateway, "GET", "streams", headers=C, stream_id=made["stream_id"]))[0] == 404
    assert await call(http, gateway, "GET", "streams", headers=C) == (200, [])


@pytest.mark.parametrize(
    "body", [[], {"delivery": {"method": "smoke-signals"}}, {"delivery": {"method": PUSH}}, {"bogus": 1},
             {"events_requested": "all"}],
)  # fmt: skip
async def test_a_bad_configuration_is_a_400(http: aiohttp.ClientSession, gateway: GatewayHandle, body: Any) -> None:
    status, doc = await call(http, gateway, "POST", "streams", body)
    assert (status, doc["error"]) == (400, "invalid_request")


async def test_streams_made_by_the_api_survive_a_restart(
    http: aiohttp.ClientSession, tmp_path: Path, routes_dir: Path, receiver: SetReceiver
) -> None:
    settings = {"state": str(tmp_path / "state"), "sessions": {"secret": SECRET}, "signals": signals_config(None)}
    async with running_gateway(routes_dir, **settings) as first:
        _, made = await call(http, first, "POST", "streams", push_to(receiver.url))
    async with running_gateway(routes_dir, **settings) as second:
        assert await call(http, second, "GET", "streams", stream_id=made["stream_id"]) == (200, made)
        await logout(second)
        assert len(await receiver.wait_for(1)) == 1
