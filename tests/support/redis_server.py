"""A real redis-server for tests: loopback, a free port, a temporary folder, no persistence.

    with RedisServer() as server:
        store = RedisStore(server.url)
        server.stop()      # Redis goes away mid-test
        server.start()     # and comes back on the same port, empty

The port is kept across restarts so that clients reconnect to the same URL.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import pytest

from tests.support.process import stop_process

_INSTALL_HINT = "redis-server is not installed; install it with `apt-get install redis-server`"


def find_redis_server() -> str:
    """The redis-server binary, or a RuntimeError that says how to install it."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).is_file():
        raise RuntimeError(_INSTALL_HINT)
    return binary


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """One redis-server process that can be stopped and started again mid-test."""

    def __init__(self, startup_timeout: float = 10.0, args: tuple[str, ...] = ()) -> None:
        self.binary = find_redis_server()
        self.args = args  # more options, e.g. ("--replicaof", "127.0.0.1", "6379")
        self.port = free_port()
        self.startup_timeout = startup_timeout
        self._dir = Path(tempfile.mkdtemp(prefix="redis-test-"))
        self._process: subprocess.Popen[bytes] | None = None
        self._started = False

    @property
    def url(self) -> str:
        """redis://127.0.0.1:<port>/0"""
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> RedisServer:
        """Start the server and wait until it answers PING."""
        if self.running:
            return self
        for _ in range(3):
            if self._launch():
                self._started = True
                return self
            if self._started:
                break  # keep the URL clients know; a restart does not move to another port
            self.port = free_port()  # another process took the port between probe and bind
        raise RuntimeError(f"redis-server did not start on port {self.port}:\n{self._log_tail()}")

    def _launch(self) -> bool:
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--dir", str(self._dir), "--save", "", "--appendonly", "no"]
        args += ["--logfile", str(self._dir / "redis.log"), "--daemonize", "no", *self.args]
        with (self._dir / "redis.out").open("ab") as out:
            self._process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.startup_timeout
        while not self._answers_ping():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                return False
            time.sleep(0.02)
        return True

    def stop(self) -> None:
        """Stop the server (its data is lost: nothing is persisted)."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            stop_process(process, 5)

    def kill(self) -> None:
        """SIGKILL the server, as a crash would end it."""
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait()

    def restart(self) -> RedisServer:
        """Stop, then start on the same port."""
        self.stop()
        return self.start()

    def close(self) -> None:
        """Stop the server and remove its folder."""
        self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def _answers_ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def _log_tail(self) -> str:
        logs = [self._dir / "redis.log", self._dir / "redis.out"]
        text = "".join(p.read_text(errors="replace") for p in logs if p.exists())
        return text[-2000:]


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A fresh redis-server for one test; fails (not skips) when redis-server is missing."""
    try:
        server = RedisServer()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    with server:
        yield server
