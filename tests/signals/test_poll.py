"""The poll endpoint (RFC 8936 §2.4) of the stream poll-b, table by table."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from tests.signals.conftest import AUDIENCE, ISSUER, POLL_TOKEN, jwks, login, manager_of, signals_of
from tests.support.gateway import GatewayHandle
from tests.support.sets import check_set

AUTH = {"Authorization": f"Bearer {POLL_TOKEN}"}


async def poll(
    http: aiohttp.ClientSession, gateway: GatewayHandle, body: Any, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    data = body if isinstance(body, str) else None
    async with http.post(
        f"{gateway.url}/ssf/poll/poll-b",
        json=None if data else body,
        data=data,
        headers=AUTH if headers is None else headers,
    ) as response:
        return response.status, await response.json(content_type=None)


async def end_sessions(gateway: GatewayHandle, count: int) -> None:
    for n in range(count):
        await manager_of(gateway).end_session(await login(gateway, f"user{n}"), reason="logout", initiator="user")


async def test_nothing_pending_with_return_immediately_answers_empty(
    http: aiohttp.ClientSession, gateway: GatewayHandle
) -> None:
    assert await poll(http, gateway, {"returnImmediately": True}) == (200, {"sets": {}, "moreAvailable": False})


async def test_a_long_poll_is_woken_by_a_new_event(http: aiohttp.ClientSession, gateway: GatewayHandle) -> None:
    waiting = asyncio.create_task(poll(http, gateway, {"maxEvents": 10}))
    await asyncio.sleep(0.3)
    assert not waiting.done()
    await end_sessions(gateway, 1)
    status, doc = await waiting
    assert status == 200 and len(doc["sets"]) == 1
    [(jti, token)] = doc["sets"].items()
    assert check_set(token, await jwks(http, gateway), ISSUER, AUDIENCE)["jti"] == jti


async def test_a_long_poll_with_nothing_made_ends_empty_at_the_timeout(
    http: aiohttp.ClientSession, gateway: GatewayHandle
) -> None:
    assert await poll(http, gateway, {}) == (200, {"sets": {}, "moreAvailable": False})


async def test_max_events_limits_the_answer_and_says_more_are_available(
    http: aiohttp.ClientSession, gateway: GatewayHandle
) -> None:
    await end_sessions(gateway, 3)
    status, first = await poll(http, gateway, {"maxEvents": 2, "returnImmediately": True})
    assert status == 200 and len(first["sets"]) == 2 and first["moreAvailable"] is True
    status, second = await poll(http, gateway, {"ack": list(first["sets"]), "maxEvents": 2, "returnImmediately": True})
    assert len(second["sets"]) == 1 and second["moreAvailable"] is False
    assert not set(first["sets"]) & set(second["sets"])


async def test_unacknowledged_sets_are_delivered_again(http: aiohttp.ClientSession, gateway: GatewayHandle) -> None:
    await end_sessions(gateway, 2)
    _, first = await poll(http, gateway, {"returnImmediately": True})
    _, again = await poll(http, gateway, {"returnImmediately": True})
    assert list(first["sets"]) == list(again["sets"]) and len(first["sets"]) == 2


async def test_an_ack_only_request_removes_and_returns_nothing(
    http: aiohttp.ClientSession, gateway: GatewayHandle
) -> None:
    await end_sessions(gateway, 2)
    _, first = await poll(http, gateway, {"returnImmediately": True})
    acked = list(first["sets"])[:1]
    status, doc = await poll(http, gateway, {"ack": acked, "maxEvents": 0, "returnImmediately": True})
    assert (status, doc) == (200, {"sets": {}, "moreAvailable": True})
    _, rest = await poll(http, gateway, {"returnImmediately": True})
    assert list(rest["sets"]) == list(first["sets"])[1:]


async def test_set_errors_are_answered_and_recorded(http: aiohttp.ClientSession, gateway: GatewayHandle) -> None:
    await end_sessions(gateway, 1)
    _, first = await poll(http, gateway, {"returnImmediately": True})
    [jti] = first["sets"]
    errs = {jti: {"err": "invalid_key", "description": "cannot check"}}
    status, doc = await poll(http, gateway, {"setErrs": errs, "returnImmediately": True})
    assert (status, doc["sets"]) == (200, {})
    failed = await signals_of(gateway).failures.list("poll-b")
    assert [(f["jti"], f["err"]) for f in failed] == [(jti, "invalid_key")]


MALFORMED = ["{", "[]", {"ack": "jti"}, {"maxEvents": -1}, {"maxEvents": "2"}, {"returnImmediately": "yes"},
             {"setErrs": {"j": "bad"}}]  # fmt: skip


async def test_a_malformed_request_is_a_400(http: aiohttp.ClientSession, gateway: GatewayHandle) -> None:
    for body in MALFORMED:
        status, doc = await poll(http, gateway, body)
        assert (status, doc["err"]) == (400, "invalid_request"), body


async def test_no_or_a_wrong_token_is_a_401_with_www_authenticate(
    http: aiohttp.ClientSession, gateway: GatewayHandle
) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {POLL_TOKEN}"}):
        async with http.post(f"{gateway.url}/ssf/poll/poll-b", json={}, headers=headers) as response:
            assert response.status == 401
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
