"""`gateway serve`: one process, or N worker processes under a supervisor, sharing its listening sockets."""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing
import os
import signal
import socket
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection

from gateway.errors import ConfigErrors
from gateway.ops.logs import setup_logging
from gateway.ops.multiproc import shared_metrics
from gateway.settings import Settings
from gateway.supervisor import Supervisor, bind_listeners

log = logging.getLogger("gateway")

# Set in each worker process: its index, readable by expressions as env['GATEWAY_WORKER'].
WORKER_ENV = "GATEWAY_WORKER"
Sockets = tuple[socket.socket, socket.socket]
# Seconds a draining worker still reads the first request of connections it accepted just before it stopped.
DRAIN_GRACE = 1.0


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:  # uvloop is optional (not on every platform)
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop


def tune_collector() -> None:
    """Move everything built at start-up out of the cyclic garbage collector's reach."""
    # Everything built at startup (modules, routes, parsers) lives as long as the process; moving it
    # out of the collector's reach keeps full collections from scanning it under load.
    gc.collect()
    gc.freeze()


async def _serve(settings: Settings, sockets: Sockets | None, ready: Connection | None) -> None:
    from gateway.app import start

    running = await start(settings, sockets=sockets)
    tune_collector()
    main_addr, admin_addr = running.addresses()[0], running.addresses()[-1]
    loop = asyncio.get_running_loop()
    log.info(
        "gateway serving on http://%s (admin http://%s), pid %d, event loop %s",
        main_addr, admin_addr, os.getpid(), type(loop).__module__.split(".")[0],
    )  # fmt: skip
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if ready is not None:
        ready.send(True)  # the supervisor drains the workers this one replaces only after this
        ready.close()
    await stop.wait()
    log.info("stopping: letting requests in flight finish")
    await running.stop(grace=DRAIN_GRACE if sockets is not None else 0.0)


def run_process(settings: Settings, sockets: Sockets | None = None, ready: Connection | None = None) -> int:
    """Serve in this process until SIGTERM/SIGINT; 2 when the configuration or the listeners fail."""
    setup_logging(settings.logFormat)
    loop = _new_loop()
    try:
        loop.run_until_complete(_serve(settings, sockets, ready))
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


def _worker(settings_json: str, source: str | None, index: int, sockets: Sockets, ready: Connection) -> None:
    settings = Settings.model_validate_json(settings_json)
    settings._source = source
    os.environ[WORKER_ENV] = str(index)
    # SIGHUP is the supervisor's (a terminal hang-up reaches the whole process group).
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    sys.exit(run_process(settings, sockets, ready))


def serve(settings: Settings, reload: Callable[[], Settings] | None = None) -> int:
    """Serve with `settings.workers` processes under a supervisor; `reload` re-reads the config on SIGHUP."""
    if settings.workers == 1:
        return run_process(settings)
    setup_logging(settings.logFormat)
    try:
        sockets = bind_listeners(settings)
    except OSError as exc:
        log.error("cannot listen: %s", exc)
        return 2
    context = multiprocessing.get_context("spawn")
    # Before any worker starts: the workers pick prometheus-client's multiprocess mode from the environment.
    with shared_metrics() as worker_exited:
        supervisor = Supervisor(settings, reload or (lambda: settings), sockets, context, _worker, worker_exited)
        try:
            return supervisor.run()
        finally:
            for sock in sockets:
                sock.close()
