"""Keeps the signals process running: starts it, records its metrics, starts another when it dies.

A process that dies soon after it started waits longer each time (0.5 s doubling up to 30 s), as
the supervisor does with workers; one that ran a while is replaced at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import secrets
import time
from dataclasses import replace
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from gateway.durations import respawn_delay
from gateway.signals.metrics import SignalMetrics
from gateway.signals.process import ProcessArgs, main
from gateway.signals.relay import replay

log = logging.getLogger("gateway.signals")
MOST_BACKOFF, STABLE = 30.0, 30.0


class SignalsProcess:
    """The one signals process of this gateway, while `start`ed."""

    def __init__(self, args: ProcessArgs, metrics: SignalMetrics) -> None:
        # One lease holder for every process this keeper starts, one at a time (see `Pusher.holder`).
        self.args, self.metrics = replace(args, holder=secrets.token_hex(8)), metrics
        self.process: BaseProcess | None = None
        self.ready = asyncio.Event()  # set while a started process delivers
        self._pipe: Connection | None = None
        self._started = 0.0
        self._deaths = 0
        self._respawn: asyncio.TimerHandle | None = None
        self._stopping = False

    def start(self) -> None:
        """Spawn the process; it becomes `ready` once it delivers."""
        context = multiprocessing.get_context("spawn")
        reader, writer = context.Pipe(duplex=False)
        process = context.Process(target=main, args=(self.args, writer), name="gateway-signals", daemon=True)
        process.start()
        writer.close()  # the child holds the other end: EOF here once it is gone
        self.process, self._pipe, self._started = process, reader, time.monotonic()
        loop = asyncio.get_running_loop()
        loop.add_reader(process.sentinel, self._died)
        loop.add_reader(reader.fileno(), self._receive)
        log.info("signals process started: pid %s", process.pid)

    def _receive(self) -> None:
        assert self._pipe is not None
        try:
            self._handle(self._pipe.recv())
        except (EOFError, OSError):  # it died: the sentinel says so
            asyncio.get_running_loop().remove_reader(self._pipe.fileno())

    def _handle(self, message: tuple[str, Any]) -> None:
        kind, body = message
        if kind == "ready":
            self.ready.set()
        elif kind == "metrics":
            replay(self.metrics, body)

    def _died(self) -> None:
        process = self._forget()
        if process is None or self._stopping:
            return
        lived = time.monotonic() - self._started
        self._deaths = 0 if lived > STABLE else self._deaths + 1
        delay = respawn_delay(self._deaths, MOST_BACKOFF)
        log.error("signals process %s exited with %s; another in %g s", process.pid, process.exitcode, delay)
        self._respawn = asyncio.get_running_loop().call_later(delay, self.start)

    def _forget(self) -> BaseProcess | None:
        """Stop watching the current process; returns it (joined, when it has ended)."""
        process, pipe = self.process, self._pipe
        if process is None or pipe is None:
            return None
        loop = asyncio.get_running_loop()
        loop.remove_reader(process.sentinel)
        loop.remove_reader(pipe.fileno())
        with contextlib.suppress(EOFError, OSError):
            while pipe.poll():  # the last metrics it sent
                self._handle(pipe.recv())
        pipe.close()
        self.process, self._pipe = None, None
        self.ready.clear()
        process.join(0)
        return process

    async def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM the process (it releases its leases), then SIGKILL if it lingers."""
        self._stopping = True
        if self._respawn is not None:
            self._respawn.cancel()
        process = self.process
        if process is None:
            return
        process.terminate()
        await asyncio.to_thread(process.join, timeout)
        if process.is_alive():
            process.kill()
            await asyncio.to_thread(process.join)
        self._forget()
