"""Push delivery runs in a signals process of its own, beside the serving workers: it delivers,
is started again when killed, and resumes with nothing lost, whether the gateway serves alone or
with workers under a supervisor."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import aiohttp
import pytest

from gateway.signals.courier import Courier
from gateway.signals.keeper import SignalsProcess
from gateway.signals.process import USER_AGENT
from tests.signals.conftest import (
    AUDIENCE,
    ISSUER,
    SECRET,
    jwks,
    login,
    manager_of,
    revoke_each,
    signals_config,
    signals_of,
    stored_sessions,
    two_workers,
)
from tests.support.gateway import GatewayHandle, running_gateway
from tests.support.set_receiver import SetReceiver, running_set_receiver
from tests.support.sets import check_set, unverified_claims


def _pushers(receiver: SetReceiver) -> set[int]:
    """The pids the receiver's pushes came from (the signals process names itself in User-Agent)."""
    agents = {pushed.headers.get("User-Agent", "") for pushed in receiver.got}
    assert all(agent.startswith(f"{USER_AGENT}/") for agent in agents), agents
    return {int(agent.split("/")[1]) for agent in agents}


async def _distinct(receiver: SetReceiver, count: int) -> None:
    """Until the receiver accepted `count` different SETs (a redelivered one counts once)."""
    for _ in range(300):
        if len({unverified_claims(t)["jti"] for t in receiver.accepted}) >= count:
            return
        await asyncio.sleep(0.1)


def _parent(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        return int(next(line for line in status if line.startswith("PPid:")).split()[1])


async def test_the_signals_process_delivers_and_is_replaced_when_killed_losing_nothing(
    http: aiohttp.ClientSession, gateway: GatewayHandle, receiver: SetReceiver
) -> None:
    delivery = signals_of(gateway).delivery
    assert isinstance(delivery, SignalsProcess)
    manager = manager_of(gateway)
    await manager.end_session(await login(gateway, "alice"), reason="logout", initiator="user")
    await receiver.wait_for(1, timeout=30)
    [first] = _pushers(receiver)
    assert first != os.getpid() and _parent(first) == os.getpid()
    os.kill(first, signal.SIGKILL)
    # Ended while no signals process runs: the SETs wait in the outbox for the next one.
    for n in range(5):
        await manager.end_session(await login(gateway, f"user{n}", sid=f"sid-{n}"), reason="logout", initiator="user")
    await _distinct(receiver, 6)
    published = await jwks(http, gateway)
    subjects = [check_set(token, published, ISSUER, AUDIENCE)["sub_id"]["user"]["sub"] for token in receiver.accepted]
    # At least once: a SET pushed just before the kill may come again; in order, none missing.
    assert list(dict.fromkeys(subjects)) == ["alice", *(f"user{n}" for n in range(5))]
    assert _pushers(receiver) - {first}, "a new signals process delivered after the kill"
    assert delivery.process is not None and delivery.process.pid != first


@pytest.mark.slow
async def test_with_workers_a_signals_process_beside_them_pushes_and_comes_back_after_a_kill(
    tmp_path: Path, routes_dir: Path
) -> None:
    sids = await stored_sessions(tmp_path, 20)
    async with (
        running_set_receiver() as receiver,
        aiohttp.ClientSession() as http,
        two_workers(tmp_path, routes_dir, receiver) as gateway,
    ):
        await revoke_each(http, gateway, sids[:10])
        await receiver.wait_for(10, timeout=30)
        [first] = _pushers(receiver)
        # Not a worker (a child of the supervisor) but a child of one.
        assert _parent(first) != gateway.pid and _parent(_parent(first)) == gateway.pid
        os.kill(first, signal.SIGKILL)
        await revoke_each(http, gateway, sids[10:])
        await _distinct(receiver, 20)
    subjects = [unverified_claims(token)["sub_id"]["user"]["sub"] for token in receiver.accepted]
    assert list(dict.fromkeys(subjects)) == [f"user{n:02d}" for n in range(20)]  # at least once, in order
    assert _pushers(receiver) - {first}, "a new signals process delivered after the kill"


async def test_an_old_config_naming_signing_processes_loads_with_a_deprecation_line(
    tmp_path: Path, routes_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = {"state": str(tmp_path / "state"), "sessions": {"secret": SECRET}}
    async with running_gateway(routes_dir, signals=signals_config(None, signingProcesses=2), **settings):
        pass
    assert any("signingProcesses is deprecated" in record.getMessage() for record in caplog.records)


async def test_with_the_memory_store_which_no_other_process_opens_the_serving_process_pushes(
    tmp_path: Path, routes_dir: Path, receiver: SetReceiver
) -> None:
    settings = {"state": str(tmp_path / "state"), "sessions": {"secret": SECRET}, "store": {"memory": {}}}
    async with running_gateway(routes_dir, signals=signals_config(receiver.url), **settings) as gateway:
        assert isinstance(signals_of(gateway).delivery, Courier)
        await manager_of(gateway).end_session(await login(gateway), reason="logout", initiator="user")
        [token] = await receiver.wait_for(1)
    assert unverified_claims(token)["sub_id"]["user"]["sub"] == "alice"
    assert not receiver.got[0].headers.get("User-Agent", "").startswith(USER_AGENT)
