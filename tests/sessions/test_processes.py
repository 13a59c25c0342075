"""Revocation across real gateway processes: both workers of one gateway, two instances on one
Redis, and a restart of a gateway with the embedded store."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from gateway.sessions import Session, SessionManager
from gateway.stores import RedisStore
from tests.sessions.conftest import (
    SECRET,
    cookie_header,
    make_settings,
    mint,
    open_manager,
    private_route,
    sqlite_worker,
)
from tests.support.gateway import write_route
from tests.support.polling import DEADLINE
from tests.support.process import GatewayProcess
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.slow


@pytest.fixture
async def fresh() -> AsyncIterator[aiohttp.ClientSession]:
    """A client opening a new connection per request, so that SO_REUSEPORT spreads them over workers."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
        yield http


async def answer(http: aiohttp.ClientSession, url: str, cookies: dict[str, str]) -> tuple[str, int]:
    """(worker index, status) of one request to /private."""
    async with http.get(f"{url}/private", headers=cookies) as response:
        await response.read()
        return response.headers.get("X-Worker", ""), response.status


async def until_every_worker_answers(
    http: aiohttp.ClientSession, url: str, cookies: dict[str, str], status: int, workers: set[str]
) -> None:
    """Poll until each worker has answered `status`; a worker that did never answers otherwise again."""
    settled: set[str] = set()
    deadline = time.monotonic() + DEADLINE
    while settled != workers:
        worker, got = await answer(http, url, cookies)
        assert worker in workers, f"unexpected worker {worker!r}"
        assert got == status or worker not in settled, f"worker {worker} answered {got} after {status}"
        if got == status:
            settled.add(worker)
        assert time.monotonic() < deadline, f"workers {sorted(workers - settled)} never answered {status}"


async def revoke(http: aiohttp.ClientSession, admin: str, body: dict[str, Any]) -> dict[str, Any]:
    async with http.post(f"{admin}/admin/api/sessions/revoke", json=body) as response:
        assert response.status == 200
        result: dict[str, Any] = await response.json()
        return result


async def minted(manager: SessionManager, subject: str = "alice") -> tuple[Session, dict[str, str]]:
    session = await mint(manager, subject)
    return session, cookie_header(manager.cookies_for(session, secure=False))


async def test_a_revocation_takes_effect_on_both_workers(
    tmp_path: Path, routes_dir: Path, fresh: aiohttp.ClientSession
) -> None:
    write_route(routes_dir, "10-private.json", private_route())
    state = tmp_path / "state"
    # No secret: the workers must agree on the key they create in the state folder.
    with GatewayProcess(routes_dir, config={"state": str(state)}, workers=2, workdir=tmp_path) as gateway:
        async with sqlite_worker(state, make_settings(state, secret=None)) as minter:
            session, cookies = await minted(minter)
            _, kept = await minted(minter)
        await until_every_worker_answers(fresh, gateway.url, cookies, 200, {"0", "1"})
        assert await revoke(fresh, gateway.admin, {"sid": session.id}) == {"revoked": 1}
        await until_every_worker_answers(fresh, gateway.url, cookies, 401, {"0", "1"})
        await until_every_worker_answers(fresh, gateway.url, kept, 200, {"0", "1"})


async def test_a_revocation_survives_a_gateway_restart(
    tmp_path: Path, routes_dir: Path, fresh: aiohttp.ClientSession
) -> None:
    write_route(routes_dir, "10-private.json", private_route())
    state = tmp_path / "state"
    config = {"state": str(state)}
    with GatewayProcess(routes_dir, config=config, workdir=tmp_path) as gateway:
        async with sqlite_worker(state, make_settings(state, secret=None)) as minter:
            (session, cookies), (_, kept) = await minted(minter), await minted(minter, "bob")
        await until_every_worker_answers(fresh, gateway.url, cookies, 200, {""})
        assert await revoke(fresh, gateway.admin, {"sid": session.id}) == {"revoked": 1}
        await until_every_worker_answers(fresh, gateway.url, cookies, 401, {""})
    with GatewayProcess(routes_dir, config=config, workdir=tmp_path) as restarted:
        assert await answer(fresh, restarted.url, cookies) == ("", 401)
        assert await answer(fresh, restarted.url, kept) == ("", 200)  # same key: only the revoked one is refused


async def test_a_revocation_reaches_another_instance_through_redis(
    tmp_path: Path, routes_dir: Path, fresh: aiohttp.ClientSession, redis_server: RedisServer
) -> None:
    write_route(routes_dir, "10-private.json", private_route())
    store = {"redis": {"url": redis_server.url}}
    instances = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        config = {"state": str(tmp_path / name / "state"), "store": store, "sessions": {"secret": SECRET}}
        instances.append(GatewayProcess(routes_dir, config=config, workers=2, workdir=tmp_path / name))
    redis = RedisStore(redis_server.url, timeout=5.0)
    try:
        a, b = (instance.start() for instance in instances)
        async with open_manager(redis, make_settings(tmp_path / "minter")) as minter:
            (alice, alice_cookies), (_, bob_cookies) = await minted(minter), await minted(minter, "bob")
        for instance in (a, b):
            await until_every_worker_answers(fresh, instance.url, alice_cookies, 200, {"0", "1"})
        assert await revoke(fresh, a.admin, {"sid": alice.id}) == {"revoked": 1}
        assert await revoke(fresh, b.admin, {"sub": "bob", "iss": "https://idp.example.com"}) == {"revoked": 1}
        for instance in (b, a):
            await until_every_worker_answers(fresh, instance.url, alice_cookies, 401, {"0", "1"})
            await until_every_worker_answers(fresh, instance.url, bob_cookies, 401, {"0", "1"})
    finally:
        for instance in instances:
            instance.stop()
        await redis.close()
