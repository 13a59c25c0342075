"""`gateway serve --workers 2`: two processes answer on one port, and SIGTERM stops them all."""

from __future__ import annotations

import json
import os
from pathlib import Path

import aiohttp
import pytest

from tests.routing.waiting import until
from tests.support.gateway import write_route
from tests.support.process import GatewayProcess

WORKER_ROUTE = {
    "handler": {"type": "StaticResponseHandler", "config": {"entity": "${env['GATEWAY_WORKER']}"}},
}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def _collect(url: str, seen: set[str], field: str | None = None) -> set[str]:
    # A new connection each time: SO_REUSEPORT spreads connections, not requests, over the workers.
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
        for _ in range(8):
            async with http.get(url) as response:
                assert response.status == 200
                text = await response.text()
                seen.add(str(json.loads(text)[field]) if field else text)
    return seen


@pytest.mark.slow
async def test_two_workers_answer_on_one_port_and_sigterm_stops_both(routes_dir: Path) -> None:
    write_route(routes_dir, "10-worker.json", WORKER_ROUTE)
    gateway = GatewayProcess(routes_dir, workers=2).start()
    try:
        workers: set[str] = set()
        await until(
            lambda: _collect(gateway.url + "/", workers), lambda s: len(s) == 2, "both workers on the main port"
        )
        assert workers == {"0", "1"}
        pids: set[str] = set()
        await until(lambda: _collect(gateway.admin + "/health", pids, "pid"), lambda s: len(s) == 2, "both pids")
        assert str(gateway.pid) not in pids
    finally:
        code = gateway.stop()
    assert code == 0
    assert [pid for pid in map(int, pids) if _alive(pid)] == []


@pytest.mark.slow
def test_workers_run_on_uvloop_when_it_is_installed(routes_dir: Path) -> None:
    pytest.importorskip("uvloop")
    write_route(routes_dir, "10-worker.json", WORKER_ROUTE)
    with GatewayProcess(routes_dir, workers=2) as gateway:
        pass
    lines = gateway.log.read_text().splitlines()
    serving = [line for line in lines if "gateway serving on" in line]
    assert serving and all("event loop uvloop" in line for line in serving)
