"""The signals process: delivery and signing, beside the serving workers, at a lower CPU priority.

The process that serves alone, or worker 0 under the supervisor, starts it (`keeper.py`) with
`multiprocessing`'s spawn. It opens the same store, runs the `Courier`, and sends its metric
notes back over a pipe. `os.nice` lowers its priority (`signals.processNice`), so that on a busy
machine the proxied traffic wins and delivery lags a little instead. It stops on SIGTERM, and by
itself when the process that started it is gone (a `kill -9` leaves nothing behind), releasing
its streams' leases so that the next one takes over at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection

import aiohttp

from gateway.ops.logs import setup_logging
from gateway.signals.courier import Courier
from gateway.signals.relay import Note
from gateway.signals_settings import SignalsSettings, StreamSettings
from gateway.stores import StoreSpec, open_store

log = logging.getLogger("gateway.signals")
USER_AGENT = "gateway-signals"


@dataclass(frozen=True)
class ProcessArgs:
    """What the signals process is started with (JSON, so that it pickles plainly)."""

    config: str
    streams: list[str]
    store: str
    state: str
    log_format: str
    parent: int
    holder: str = ""  # the streams' lease holder (see `Pusher.holder`); the keeper sets it

    def spec(self) -> StoreSpec:
        """The store to open."""
        return StoreSpec.model_validate_json(self.store)

    def configured(self) -> list[StreamSettings]:
        """The configured streams (gateway.yaml, stream files, environment)."""
        return [StreamSettings.model_validate_json(s) for s in self.streams]


def main(args: ProcessArgs, pipe: Connection) -> None:
    """The signals process's entry point."""
    config = SignalsSettings.model_validate_json(args.config)
    os.nice(config.processNice)
    setup_logging(args.log_format)
    # A terminal's Ctrl-C reaches the whole process group; the parent stops this process with SIGTERM.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    asyncio.run(_run(args, config, pipe))


async def _run(args: ProcessArgs, config: SignalsSettings, pipe: Connection) -> None:
    store = open_store(args.spec())
    headers = {"User-Agent": f"{USER_AGENT}/{os.getpid()}"}
    http = aiohttp.ClientSession(headers=headers, cookie_jar=aiohttp.DummyCookieJar())
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    courier = Courier(
        store, config, args.configured(), http, args.state, lambda notes: _send(pipe, notes, stop), args.holder
    )
    watch = asyncio.create_task(_watch_parent(args.parent, stop))
    try:
        await courier.start()
        pipe.send(("ready", os.getpid()))
        log.info("signals process %d delivering (nice %d)", os.getpid(), os.nice(0))
        await stop.wait()
    finally:
        watch.cancel()
        await courier.stop()
        await http.close()
        await store.close()


def _send(pipe: Connection, notes: list[Note], stop: asyncio.Event) -> None:
    try:
        pipe.send(("metrics", notes))
    except OSError:  # the parent is gone: the watch ends this process too
        stop.set()


async def _watch_parent(parent: int, stop: asyncio.Event) -> None:
    # A parent killed with SIGKILL cannot stop this process; it notices it was re-parented.
    while True:
        await asyncio.sleep(0.5)
        if os.getppid() != parent:
            break
    log.info("signals process %d: the process that started it is gone; stopping", os.getpid())
    stop.set()
