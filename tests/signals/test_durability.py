"""No event lost: a transmitter killed with SIGKILL in the middle of a burst of session ends, then
restarted, delivers a SET for every session that ended, those in flight at the kill included."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import aiohttp
import pytest

from gateway.stores import SqliteStore
from tests.sessions.conftest import make_settings, mint, open_manager
from tests.signals.conftest import AUDIENCE, ISSUER, SECRET, revoke_each, signals_config, stored_sessions, two_workers
from tests.support.process import GatewayProcess
from tests.support.set_receiver import running_set_receiver
from tests.support.sets import check_set, unverified_claims

SESSIONS = 1000
PARALLEL = 16


async def _make_sessions(state: Path) -> dict[str, str]:
    """sid → subject of SESSIONS sessions in the embedded store the gateway will use."""
    store = SqliteStore(state / "gateway.db")
    try:
        async with open_manager(store, make_settings(state)) as manager:
            made = {}
            for n in range(SESSIONS):
                session = await mint(manager, f"user{n:04d}")
                made[session.id] = session.subject
            return made
    finally:
        await store.close()


async def _revoke_all(http: aiohttp.ClientSession, admin: str, sids: list[str], confirmed: set[str]) -> None:
    """Revoke each session through the admin API, PARALLEL at a time; `confirmed` gets those this call ended."""
    queue = list(sids)

    async def one_by_one() -> None:
        while queue:
            sid = queue.pop()
            try:
                async with http.post(f"{admin}/admin/api/sessions/revoke", json={"sid": sid}) as response:
                    if response.status == 200 and (await response.json())["revoked"]:
                        confirmed.add(sid)
            except aiohttp.ClientError:
                return

    await asyncio.gather(*(one_by_one() for _ in range(PARALLEL)))


@pytest.mark.slow
async def test_a_transmitter_killed_mid_burst_delivers_a_set_for_every_ended_session_after_restart(
    tmp_path: Path, routes_dir: Path
) -> None:
    state = tmp_path / "state"
    made = await _make_sessions(state)
    async with running_set_receiver() as receiver, aiohttp.ClientSession() as http:
        config = {"state": str(state), "sessions": {"secret": SECRET}, "signals": signals_config(receiver.url)}
        first = GatewayProcess(routes_dir, config=config, workdir=tmp_path)
        await asyncio.to_thread(first.start)
        confirmed: set[str] = set()
        burst = asyncio.create_task(_revoke_all(http, first.admin, list(made), confirmed))
        while len(confirmed) < SESSIONS // 3:
            await asyncio.sleep(0.01)
        os.kill(first.pid, signal.SIGKILL)
        await burst
        first.stop()
        killed_at = len(confirmed)
        second = GatewayProcess(routes_dir, config=config, workdir=tmp_path)
        await asyncio.to_thread(second.start)
        try:
            # Those in flight at the kill got no answer; revoking them again ends any not yet ended.
            await _revoke_all(http, second.admin, [sid for sid in made if sid not in confirmed], confirmed)
            wanted = set(made.values())
            for _ in range(600):
                got = {unverified_claims(t)["sub_id"]["user"]["sub"] for t in receiver.accepted}
                if wanted <= got:
                    break
                await asyncio.sleep(0.1)
        finally:
            await asyncio.to_thread(second.stop)
    assert SESSIONS // 3 <= killed_at < SESSIONS
    assert wanted <= got, f"{len(wanted - got)} ended sessions have no SET"


@pytest.mark.slow
async def test_two_workers_deliver_one_stream_once_and_in_order(tmp_path: Path, routes_dir: Path) -> None:
    sids = await stored_sessions(tmp_path, 40)
    async with (
        running_set_receiver() as receiver,
        aiohttp.ClientSession() as http,
        two_workers(tmp_path, routes_dir, receiver) as gateway,
    ):
        await revoke_each(http, gateway, sids)
        await receiver.wait_for(len(sids), timeout=30)
        await asyncio.sleep(0.5)
        async with http.get(f"{gateway.url}/ssf/jwks") as response:
            published = await response.json()
    subjects = [unverified_claims(t)["sub_id"]["user"]["sub"] for t in receiver.accepted]
    assert subjects == [f"user{n:02d}" for n in range(40)]
    assert len(receiver.got) == len(sids)  # each pushed once: one worker at a time holds the stream
    for token in receiver.accepted:  # both workers sign with the one key generated in the state folder
        check_set(token, published, ISSUER, AUDIENCE)
