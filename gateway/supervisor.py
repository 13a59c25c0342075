"""The supervisor of `gateway serve --workers N`: keeps N workers serving on shared listening sockets.

As nginx's master does: the supervisor binds the listeners once and every worker accepts from the
same sockets, so a worker that dies loses only the connections it had accepted; it is respawned at
once (then after a doubling backoff) while the others keep serving. Only a crash loop
(`supervisor.crashLoopDeaths` deaths within `crashLoopWindow` seconds) stops the service, non-zero.
SIGHUP re-reads gateway.yaml and replaces every worker, new ones first, old ones drained once the
new ones are ready, so no request fails. SIGTERM and SIGINT drain every worker and exit 0.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.context import SpawnContext
from multiprocessing.process import BaseProcess
from typing import Any

from gateway.durations import respawn_delay
from gateway.errors import ConfigErrors
from gateway.settings import Settings, split_hostport

log = logging.getLogger("gateway")

# Worker entry point: (settings, listening sockets, the pipe to say "ready" on, worker index).
Target = Callable[[str, str | None, int, tuple[socket.socket, socket.socket], Connection], None]


def bind_listeners(settings: Settings) -> tuple[socket.socket, socket.socket]:
    """The main and admin listening sockets, bound once here and shared by every worker."""
    return _bind(split_hostport(settings.listen)), _bind(split_hostport(settings.admin.listen, "127.0.0.1"))


def _bind(address: tuple[str, int]) -> socket.socket:
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    return socket.create_server(address, family=family, backlog=1024)


@dataclass
class Worker:
    """One worker process of one generation (a SIGHUP starts a new generation)."""

    index: int
    generation: int
    process: BaseProcess
    ready_pipe: Connection | None
    ready: bool = False
    retiring: bool = False


class Supervisor:
    """Spawns, watches, respawns and replaces the workers; `run` returns the exit code."""

    def __init__(
        self,
        settings: Settings,
        reload: Callable[[], Settings],
        sockets: tuple[socket.socket, socket.socket],
        context: SpawnContext,
        target: Target,
        exited: Callable[[int], None],
    ) -> None:
        self.settings, self.reload, self.sockets = settings, reload, sockets
        self.context, self.target, self.exited = context, target, exited
        self.workers: list[Worker] = []
        self.generation = self.generations = 0
        # The settings and generation to go back to if a reload fails.
        self.previous: tuple[Settings, int] | None = None
        self.reload_deadline: float | None = None
        self.deaths: deque[float] = deque()
        self.respawns: dict[int, float] = {}  # worker index -> when to respawn it
        self.stopping = False
        self.code = 0
        self.signals: deque[int] = deque()
        self.wake_read, self.wake_write = os.pipe()

    def run(self) -> int:
        """Supervise until SIGTERM/SIGINT (0) or a crash loop (1)."""
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, self._on_signal)
        for index in range(self.settings.workers):
            self._spawn(index)
        log.info("supervising %d workers: %s", len(self.workers), self._pids())
        while self.workers or (self.respawns and not self.stopping):
            self._step()
        os.close(self.wake_read)
        os.close(self.wake_write)
        return self.code

    def _on_signal(self, signum: int, frame: Any) -> None:
        # Only queue it: the loop below acts on it, outside the signal handler.
        self.signals.append(signum)
        os.write(self.wake_write, b"\0")

    def _step(self) -> None:
        watched: list[Any] = [self.wake_read]
        watched += [w.process.sentinel for w in self.workers]
        watched += [w.ready_pipe for w in self.workers if w.ready_pipe is not None]
        ready = wait(watched, self._timeout())
        if self.wake_read in ready:
            os.read(self.wake_read, 512)
        while self.signals:
            self._handle(self.signals.popleft())
        for worker in list(self.workers):
            if worker.ready_pipe is not None and worker.ready_pipe in ready:
                self._read_ready(worker)
            if worker.process.sentinel in ready:
                self._reap(worker)
        self._respawn_due()
        self._check_reload()

    def _timeout(self) -> float | None:
        moments = list(self.respawns.values()) + ([self.reload_deadline] if self.reload_deadline else [])
        return max(0.0, min(moments) - time.monotonic()) if moments else None

    def _handle(self, signum: int) -> None:
        if signum == signal.SIGHUP:
            self._start_reload()
        elif not self.stopping:
            log.info("stopping: draining %d workers", len(self.workers))
            self.stopping = True
            self.respawns.clear()
            for worker in self.workers:
                self._retire(worker)

    def _spawn(self, index: int) -> None:
        reader, writer = self.context.Pipe(duplex=False)
        args = (self.settings.model_dump_json(), self.settings.source, index, self.sockets, writer)
        process = self.context.Process(target=self.target, args=args, name=f"gateway-worker-{index}")
        process.start()
        writer.close()  # the worker holds the other copy: EOF here once it is gone
        self.workers.append(Worker(index, self.generation, process, reader))

    def _read_ready(self, worker: Worker) -> None:
        assert worker.ready_pipe is not None
        try:
            worker.ready_pipe.recv()
            worker.ready = True
        except EOFError:  # died before it was ready: the sentinel reports it
            pass
        worker.ready_pipe.close()
        worker.ready_pipe = None

    def _retire(self, worker: Worker) -> None:
        """Ask a worker to drain: it stops accepting, finishes what it has, and exits."""
        worker.retiring = True
        if worker.process.pid and worker.process.is_alive():
            os.kill(worker.process.pid, signal.SIGTERM)

    def _pids(self) -> str:
        return ", ".join(str(w.process.pid) for w in self.workers)

    def _reap(self, worker: Worker) -> None:
        worker.process.join()
        self.workers.remove(worker)
        if worker.ready_pipe is not None:
            worker.ready_pipe.close()
        if worker.process.pid is not None:
            self.exited(worker.process.pid)
        if worker.retiring or self.stopping:
            return
        code = worker.process.exitcode or 0
        log.error("worker %d (pid %s) exited with %s", worker.index, worker.process.pid, _describe(code))
        if worker.generation != self.generation:
            return  # an old worker during a reload: the new generation replaces it
        if self.reload_deadline is not None and not worker.ready:
            self._abandon_reload("a new worker died before it was ready")
            return
        self._count_death(worker.index)

    def _count_death(self, index: int) -> None:
        now = time.monotonic()
        config = self.settings.supervisor
        self.deaths.append(now)
        while self.deaths and self.deaths[0] < now - config.crashLoopWindow:
            self.deaths.popleft()
        if len(self.deaths) >= config.crashLoopDeaths:
            deaths, window = len(self.deaths), config.crashLoopWindow
            log.error("crash loop: %d worker deaths within %g s; stopping the service", deaths, window)
            self.code = 1
            self._handle(signal.SIGTERM)
            return
        # The first death is respawned at once; deaths in a row wait longer each time.
        delay = respawn_delay(len(self.deaths), config.maxBackoff)
        self.respawns[index] = now + delay
        log.info("respawning worker %d in %g s", index, delay)

    def _respawn_due(self) -> None:
        now = time.monotonic()
        for index, moment in list(self.respawns.items()):
            if moment <= now and not self.stopping:
                del self.respawns[index]
                self._spawn(index)
                log.info("worker %d respawned: pid %s", index, self.workers[-1].process.pid)

    def _start_reload(self) -> None:
        if self.stopping or self.reload_deadline is not None:
            log.warning("SIGHUP ignored: %s", "stopping" if self.stopping else "a reload is under way")
            return
        try:
            settings = self.reload()
        except ConfigErrors as exc:
            for error in exc.errors:
                log.error("%s", error)
            log.error("SIGHUP: the new configuration has errors; the running workers keep serving")
            return
        if (settings.listen, settings.admin.listen) != (self.settings.listen, self.settings.admin.listen):
            log.warning("SIGHUP: listen addresses change only with a restart; keeping the bound ones")
        self.previous, self.settings = (self.settings, self.generation), settings
        self.generations += 1
        self.generation = self.generations
        self.reload_deadline = time.monotonic() + settings.supervisor.readyTimeout
        self.respawns.clear()
        for index in range(settings.workers):
            self._spawn(index)
        log.info("SIGHUP: starting %d new workers: %s", settings.workers, self._pids())

    def _check_reload(self) -> None:
        if self.reload_deadline is None:
            return
        fresh = [w for w in self.workers if w.generation == self.generation and not w.retiring]
        if fresh and all(w.ready for w in fresh):
            self.reload_deadline, self.previous = None, None
            old = [w for w in self.workers if w.generation != self.generation]
            for worker in old:
                self._retire(worker)
            log.info("SIGHUP: new workers ready; draining %d old ones", len(old))
        elif time.monotonic() >= self.reload_deadline:
            self._abandon_reload("the new workers were not ready in time")

    def _abandon_reload(self, why: str) -> None:
        log.error("SIGHUP: reload abandoned (%s); the running workers keep serving", why)
        for worker in [w for w in self.workers if w.generation == self.generation]:
            self._retire(worker)
        assert self.previous is not None
        (self.settings, self.generation), self.previous = self.previous, None
        self.reload_deadline = None


def _describe(code: int) -> str:
    if code < 0:
        return f"signal {signal.Signals(-code).name}"
    return f"code {code}"
