"""SETs are signed in a process of their own, which the worker replaces when it dies."""

from __future__ import annotations

import os
import signal

import aiohttp

from tests.signals.conftest import AUDIENCE, ISSUER, jwks, login, manager_of, signals_of
from tests.support.gateway import GatewayHandle
from tests.support.set_receiver import SetReceiver
from tests.support.sets import check_set


def _signing_processes(gateway: GatewayHandle) -> list[int]:
    pool = signals_of(gateway).signing._pool
    assert pool is not None
    return [process.pid for process in pool._processes.values()]


async def test_sets_are_signed_in_another_process_that_is_replaced_when_killed(
    http: aiohttp.ClientSession, gateway: GatewayHandle, receiver: SetReceiver
) -> None:
    manager = manager_of(gateway)
    assert await manager.end_session(await login(gateway, "alice"), reason="logout", initiator="user")
    [first] = _signing_processes(gateway)
    assert first != os.getpid()
    os.kill(first, signal.SIGKILL)
    assert await manager.end_session(await login(gateway, "bob", sid="idp-sid-2"), reason="logout", initiator="user")
    published = await jwks(http, gateway)
    for token in await receiver.wait_for(2):
        check_set(token, published, ISSUER, AUDIENCE)
    assert _signing_processes(gateway) != [first]
