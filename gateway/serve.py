"""`gateway serve`: one process, or N worker processes sharing the port with SO_REUSEPORT."""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Sequence
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from typing import Any

from gateway.errors import ConfigErrors
from gateway.ops.logs import setup_logging
from gateway.ops.multiproc import shared_metrics
from gateway.settings import Settings

log = logging.getLogger("gateway")

# Set in each worker process: its index, readable by expressions as env['GATEWAY_WORKER'].
WORKER_ENV = "GATEWAY_WORKER"


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:  # uvloop is optional (not on every platform)
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop


async def _serve(settings: Settings, reuse_port: bool) -> None:
    from gateway.app import start

    running = await start(settings, reuse_port=reuse_port)
    # Everything built at startup (modules, routes, parsers) lives as long as the process; moving it
    # out of the collector's reach keeps full collections from scanning it under load.
    gc.collect()
    gc.freeze()
    main_addr, admin_addr = running.addresses()[0], running.addresses()[-1]
    loop = asyncio.get_running_loop()
    log.info(
        "gateway serving on http://%s (admin http://%s), pid %d, event loop %s",
        main_addr, admin_addr, os.getpid(), type(loop).__module__.split(".")[0],
    )  # fmt: skip
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("stopping: letting requests in flight finish")
    await running.stop()


def run_process(settings: Settings, reuse_port: bool = False) -> int:
    """Serve in this process until SIGTERM/SIGINT; 2 when the configuration or the listeners fail."""
    setup_logging(settings.logFormat)
    loop = _new_loop()
    try:
        loop.run_until_complete(_serve(settings, reuse_port))
    except ConfigErrors as exc:
        for error in exc.errors:
            log.error("%s", error)
        return 2
    except OSError as exc:
        log.error("cannot listen: %s", exc)
        return 2
    finally:
        loop.close()
    return 0


def _worker(settings_json: str, source: str | None, index: int) -> None:
    settings = Settings.model_validate_json(settings_json)
    settings._source = source
    os.environ[WORKER_ENV] = str(index)
    sys.exit(run_process(settings, reuse_port=True))


def serve(settings: Settings) -> int:
    """Serve with `settings.workers` processes; the parent only supervises."""
    if settings.workers == 1:
        return run_process(settings)
    setup_logging(settings.logFormat)
    context = multiprocessing.get_context("spawn")
    payload = settings.model_dump_json()
    workers = [
        context.Process(target=_worker, args=(payload, settings.source, i), name=f"gateway-worker-{i}")
        for i in range(settings.workers)
    ]
    _forward_signals(workers)
    # Before any worker starts: the workers pick prometheus-client's multiprocess mode from the environment.
    with shared_metrics() as worker_exited:
        for process in workers:
            process.start()
        log.info("supervising %d workers: %s", len(workers), ", ".join(str(p.pid) for p in workers))
        return _supervise(workers, worker_exited)


def _forward_signals(workers: Sequence[BaseProcess]) -> None:
    def forward(signum: int, frame: Any) -> None:
        for process in workers:
            if process.pid and process.is_alive():
                os.kill(process.pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)


def _supervise(workers: Sequence[BaseProcess], exited: Callable[[int], None]) -> int:
    """Wait for the workers; if one dies, stop the others, so that the service fails as a whole."""
    remaining = list(workers)
    codes: list[int] = []
    while remaining:
        ready = wait([p.sentinel for p in remaining])
        for process in [p for p in remaining if p.sentinel in ready]:
            process.join()
            remaining.remove(process)
            if process.pid is not None:
                exited(process.pid)
            code = process.exitcode or 0
            # A worker killed by a signal reports -N; exit as a shell would, 128 + N.
            codes.append(128 - code if code < 0 else code)
            if code and remaining:
                log.error("worker %s exited with %s; stopping the others", process.pid, process.exitcode)
                for other in remaining:
                    other.terminate()
    return max(codes, default=0)
