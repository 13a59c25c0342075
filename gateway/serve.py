"""`gateway serve`: one process, or N worker processes sharing the port with SO_REUSEPORT."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import sys
from typing import Any

from gateway.errors import ConfigErrors
from gateway.ops.logs import setup_logging
from gateway.settings import Settings

log = logging.getLogger("gateway")


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
    main_addr, admin_addr = running.addresses()[0], running.addresses()[-1]
    log.info("gateway serving on http://%s (admin http://%s), pid %d", main_addr, admin_addr, os.getpid())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("stopping: letting requests in flight finish")
    await running.stop()


def run_process(settings: Settings, reuse_port: bool = False) -> int:
    """Serve in this process until SIGTERM/SIGINT."""
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


def _worker(settings_json: str, index: int) -> None:
    settings = Settings.model_validate_json(settings_json)
    os.environ["GATEWAY_WORKER"] = str(index)
    sys.exit(run_process(settings, reuse_port=True))


def serve(settings: Settings) -> int:
    """Serve with `settings.workers` processes; the parent only supervises."""
    if settings.workers == 1:
        return run_process(settings)
    setup_logging(settings.logFormat)
    context = multiprocessing.get_context("spawn")
    payload = settings.model_dump_json()
    workers = [context.Process(target=_worker, args=(payload, i), daemon=False) for i in range(settings.workers)]
    for process in workers:
        process.start()

    def forward(signum: int, frame: Any) -> None:
        for process in workers:
            if process.pid and process.is_alive():
                os.kill(process.pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    codes = []
    for process in workers:
        process.join()
        codes.append(process.exitcode or 0)
    return max(codes)
