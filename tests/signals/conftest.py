"""Signals under test: a real gateway transmitting to a real push receiver, sessions made and ended
through the gateway's own session manager."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from gateway.sessions import Session, SessionManager, Tokens
from gateway.signals.service import SIGNALS, Signals
from gateway.stores import SqliteStore
from tests.sessions.conftest import make_settings, mint, open_manager
from tests.support.gateway import GatewayHandle, running_gateway
from tests.support.process import GatewayProcess
from tests.support.set_receiver import SetReceiver, running_set_receiver

ISSUER = "https://gw-a.example.com"
AUDIENCE = "https://gw-b.example.com"
IDP = "https://idp.example.com"
SECRET = "test-only session secret, 32+ characters long"
PUSH_AUTH = "Bearer push-secret-for-b"
POLL_TOKEN = "poll-secret-for-b-0123456789"
MANAGER_TOKEN = "manage-token-0123456789"
READER_TOKEN = "reader-token-0123456789"


def signals_config(receiver_url: str | None, **extra: Any) -> dict[str, Any]:
    """A signals section: a push stream to `receiver_url` and a poll stream, quick retries."""
    streams: list[dict[str, Any]] = [{"id": "poll-b", "aud": AUDIENCE, "pollToken": POLL_TOKEN}]
    if receiver_url:
        streams.insert(0, {"id": "push-b", "endpoint": receiver_url, "token": PUSH_AUTH, "aud": AUDIENCE})
    config: dict[str, Any] = {
        "enabled": True, "issuer": ISSUER, "streams": streams, "backoff": "50 ms", "maxBackoff": "400 ms",
        "longPoll": "2 s",
        "clients": [
            {"id": "b", "token": MANAGER_TOKEN, "scopes": ["ssf.manage", "ssf.read"]},
            {"id": "c", "token": READER_TOKEN, "scopes": ["ssf.read"]},
        ],
    }  # fmt: skip
    config.update(extra)
    return config


@pytest.fixture
async def receiver() -> AsyncIterator[SetReceiver]:
    """A push receiver on a free loopback port."""
    async with running_set_receiver() as server:
        yield server


@pytest.fixture
async def gateway(tmp_path: Path, routes_dir: Path, receiver: SetReceiver) -> AsyncIterator[GatewayHandle]:
    """A gateway transmitting to `receiver` (push-b) and serving the poll stream poll-b."""
    settings = {"state": str(tmp_path / "state"), "sessions": {"secret": SECRET}}
    async with running_gateway(routes_dir, signals=signals_config(receiver.url), **settings) as handle:
        yield handle


def manager_of(gateway: GatewayHandle) -> SessionManager:
    """The gateway's session manager."""
    manager = gateway.runtime.services.sessions
    assert manager is not None
    return manager


def signals_of(gateway: GatewayHandle) -> Signals:
    """The gateway's running signals."""
    signals = gateway.runtime.services.feature(SIGNALS)
    assert signals is not None
    return signals


async def login(gateway: GatewayHandle, subject: str = "alice", sid: str | None = "idp-sid-1") -> Session:
    """A browser session as a login at IDP would make it."""
    claims: dict[str, Any] = {"email": f"{subject}@Example.com"}
    if sid:
        claims["sid"] = sid
    tokens = Tokens("access", "refresh", "id", time.time() + 300)
    return await manager_of(gateway).create(
        subject=subject, issuer=IDP, provider="corp", method="browser", claims=claims, tokens=tokens
    )


async def jwks(http: aiohttp.ClientSession, gateway: GatewayHandle) -> dict[str, Any]:
    """The transmitter's published JWKS."""
    async with http.get(f"{gateway.url}/ssf/jwks") as response:
        assert response.status == 200
        doc: dict[str, Any] = await response.json()
        return doc


async def stored_sessions(tmp_path: Path, count: int) -> list[str]:
    """The ids of `count` sessions made beforehand in the embedded store of `two_workers(tmp_path, ...)`."""
    state = tmp_path / "state"
    store = SqliteStore(state / "gateway.db")
    try:
        async with open_manager(store, make_settings(state)) as manager:
            return [(await mint(manager, f"user{n:02d}")).id for n in range(count)]
    finally:
        await store.close()


@contextlib.asynccontextmanager
async def two_workers(tmp_path: Path, routes_dir: Path, receiver: SetReceiver) -> AsyncIterator[GatewayProcess]:
    """A gateway process with two workers on the state folder `tmp_path/state`, pushing to `receiver`."""
    config = {"state": str(tmp_path / "state"), "sessions": {"secret": SECRET}, "signals": signals_config(receiver.url)}
    gateway = GatewayProcess(routes_dir, config=config, workers=2, workdir=tmp_path)
    await asyncio.to_thread(gateway.start)
    try:
        yield gateway
    finally:
        await asyncio.to_thread(gateway.stop)


async def revoke_each(http: aiohttp.ClientSession, gateway: GatewayProcess, sids: list[str]) -> None:
    """Revoke the sessions through the admin API one at a time, so that the order they ended in is known."""
    for sid in sids:
        async with http.post(f"{gateway.admin}/admin/api/sessions/revoke", json={"sid": sid}) as response:
            assert (await response.json())["revoked"]
