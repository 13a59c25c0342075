"""`serve --workers N`: a killed worker is respawned while the others serve, a crash loop stops the
service, SIGHUP replaces every worker without a failed request, SIGTERM drains."""

from __future__ import annotations

import asyncio
import os
import signal
import ssl
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.ops.conftest import static
from tests.support.gateway import write_route
from tests.support.process import GatewayProcess
from tests.support.tls import Pki, https_get
from tests.support.traffic import Traffic, traffic, wait_for, worker_pids
from tests.support.upstream import proxy_route, raw_request, running_upstream

pytestmark = pytest.mark.slow
START = 60.0  # seconds a spawned worker may take to import and start on a loaded machine


async def _workers(gateway: GatewayProcess, holds: Any, what: str) -> set[int]:
    async def probe() -> set[int]:
        return worker_pids(gateway.pid)

    result: set[int] = await wait_for(probe, holds, what, START)
    return result


async def _both_workers_answer(seen: Traffic) -> None:
    """Wait until answers arriving from now on come from both worker indexes (the respawned one is back)."""
    mark = len(seen.answers)

    async def since() -> set[bytes]:
        return set(seen.answers[mark:])

    await wait_for(since, lambda bodies: bodies == {b"0", b"1"}, "both workers answering", START)


def _who_route(routes: Path) -> None:
    write_route(routes, "10-who.json", {"handler": static(200, entity="${env['GATEWAY_WORKER']}")})


async def test_a_killed_worker_is_respawned_while_the_others_keep_serving(routes_dir: Path) -> None:
    _who_route(routes_dir)
    with GatewayProcess(routes_dir, workers=2) as gateway:
        before = await _workers(gateway, lambda p: len(p) == 2, "two workers")
        victim = min(before)
        async with traffic(gateway.url, "/who") as seen:
            await seen.until_answers(20)
            os.kill(victim, signal.SIGKILL)
            # Answers go on after the kill; how many land before the respawn depends on how fast it is.
            await seen.until_answers(len(seen.answers) + 20)
            after = await _workers(gateway, lambda p: len(p) == 2 and victim not in p, "a respawned worker")
            await _both_workers_answer(seen)
        assert gateway.proc is not None and gateway.proc.poll() is None
        log = gateway.log.read_text()
    assert (before - {victim}) < after
    # At most the request each client had on the killed worker; queued connections are the shared socket's.
    assert len(seen.failures) <= 4, seen.failures
    assert "exited with signal SIGKILL" in log


async def test_a_crash_loop_stops_the_service_with_a_non_zero_exit(routes_dir: Path) -> None:
    _who_route(routes_dir)
    config = {"supervisor": {"crashLoopDeaths": 3, "crashLoopWindow": 120}}
    with GatewayProcess(routes_dir, workers=2, config=config) as gateway:
        pids = await _workers(gateway, lambda p: len(p) == 2, "two workers")
        for _ in range(2):
            victim = min(pids)
            os.kill(victim, signal.SIGKILL)
            pids = await _workers(gateway, lambda p, v=victim: len(p) == 2 and v not in p, "a respawned worker")
            assert (await raw_request(gateway.url, "/who")).status == 200
        os.kill(min(pids), signal.SIGKILL)
        assert gateway.proc is not None
        code = await asyncio.to_thread(gateway.proc.wait, START)
        log = gateway.log.read_text()
    assert code == 1
    assert "crash loop: 3 worker deaths" in log
    assert not worker_pids_alive(pids)


def worker_pids_alive(pids: set[int]) -> set[int]:
    """Which of these processes still exist (a zombie counts as gone)."""
    alive = set()
    for pid in pids:
        try:
            if " Z " not in Path(f"/proc/{pid}/stat").read_text():
                alive.add(pid)
        except FileNotFoundError:
            continue
    return alive


def _answer_config(text: str) -> dict[str, Any]:
    handler = {"name": "answer", "type": "StaticResponseHandler", "config": {"status": 200, "entity": text}}
    return {"heap": [handler]}


async def test_sighup_replaces_every_worker_with_the_new_config_and_no_failed_request(routes_dir: Path) -> None:
    write_route(routes_dir, "10-answer.json", {"handler": "answer"})
    with GatewayProcess(routes_dir, workers=2, config=_answer_config("v1")) as gateway:
        before = await _workers(gateway, lambda p: len(p) == 2, "two workers")
        async with traffic(gateway.url, "/") as seen:
            await seen.until_answers(50)
            _config_file(gateway).write_text(yaml.safe_dump(_answer_config("v2")))
            os.kill(gateway.pid, signal.SIGHUP)
            await _workers(gateway, lambda p: len(p) == 2 and not p & before, "two new workers, no old one")
            await seen.until_answers(len(seen.answers) + 200)
        log = gateway.log.read_text()
    assert seen.failures == []
    assert set(seen.answers) == {b"v1", b"v2"}
    assert set(seen.answers[-100:]) == {b"v2"}
    assert "new workers ready; draining 2 old ones" in log


async def test_sighup_with_a_broken_config_keeps_the_running_workers(routes_dir: Path) -> None:
    write_route(routes_dir, "10-answer.json", {"handler": "answer"})
    with GatewayProcess(routes_dir, workers=2, config=_answer_config("v1")) as gateway:
        before = await _workers(gateway, lambda p: len(p) == 2, "two workers")
        _config_file(gateway).write_text("workers: [not a number\n")
        os.kill(gateway.pid, signal.SIGHUP)
        await wait_for(_log_text(gateway), lambda text: "the running workers keep serving" in text, "the log", START)
        answer = await raw_request(gateway.url, "/")
        assert worker_pids(gateway.pid) == before
    assert (answer.status, answer.body) == (200, b"v1")


async def test_sigterm_lets_the_request_in_flight_finish_and_exits_0(routes_dir: Path) -> None:
    async with running_upstream() as upstream:
        write_route(routes_dir, "10-slow.json", proxy_route(upstream.url))
        with GatewayProcess(routes_dir, workers=2) as gateway:
            await _workers(gateway, lambda p: len(p) == 2, "two workers")
            request = asyncio.create_task(raw_request(gateway.url, "/slow?delay=1.5"))

            async def seen() -> int:
                return len(upstream.seen)

            await wait_for(seen, lambda n: n == 1, "the request at the upstream", START)
            os.kill(gateway.pid, signal.SIGTERM)
            answer = await request
            assert gateway.proc is not None
            code = await asyncio.to_thread(gateway.proc.wait, START)
    assert (answer.status, answer.body) == (200, b"late")
    assert code == 0


def _config_file(gateway: GatewayProcess) -> Path:
    return gateway.workdir / f"gateway-{gateway.port}.yaml"


def _log_text(gateway: GatewayProcess) -> Any:
    async def probe() -> str:
        return gateway.log.read_text()

    return probe


async def test_workers_serve_https_on_the_shared_socket_and_sighup_brings_a_new_certificate(
    routes_dir: Path, tmp_path: Path
) -> None:
    _who_route(routes_dir)
    pki = Pki(tmp_path)
    old, old_file = pki.leaf("old.pem", "localhost")
    new, new_file = pki.leaf("new.pem", "localhost")
    client = ssl.create_default_context(cafile=str(pki.ca_file))
    # A long poll: the new certificate must come from the restart, not from the file watcher.
    with GatewayProcess(routes_dir, workers=2, config=_tls_config(old_file)) as gateway:
        before = await _workers(gateway, lambda p: len(p) == 2, "two workers")
        first = await https_get(gateway.port, client)
        _config_file(gateway).write_text(yaml.safe_dump(_tls_config(new_file)))
        os.kill(gateway.pid, signal.SIGHUP)
        await _workers(gateway, lambda p: len(p) == 2 and not p & before, "two new workers, no old one")
        then = await https_get(gateway.port, client)
    assert first[0].startswith("HTTP/1.1 200") and then[0].startswith("HTTP/1.1 200")
    assert first[1] == _der(old) and then[1] == _der(new)


def _tls_config(certificate: Path) -> dict[str, Any]:
    return {"tls": {"certificate": str(certificate), "reloadInterval": 3600}}


def _der(cert: Any) -> bytes:
    return ssl.PEM_cert_to_DER_cert(cert.cert_chain_pems[0].bytes().decode())
