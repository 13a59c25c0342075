"""A real gateway in a child process (`python -m gateway serve`), for multi-process tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers(process: subprocess.Popen[Any], url: str, timeout: float, *, any_status: bool = False) -> bool:
    """Whether `url` answers 200 (any status, with `any_status`) before `timeout` s pass or `process` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                if any_status or answer.status == 200:
                    return True
        except urllib.error.HTTPError:
            if any_status:
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def stop_process(proc: subprocess.Popen[Any], grace: float) -> int:
    """Ask `proc` to end (SIGTERM), kill it if it still runs after `grace` seconds; its exit code."""
    proc.terminate()
    try:
        return proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


class GatewayProcess:
    """`python -m gateway serve` with its own ports; stopped with SIGTERM, killed if it hangs."""

    def __init__(
        self,
        routes: Path,
        *,
        config: dict[str, object] | None = None,
        workers: int = 1,
        workdir: Path | None = None,
        env: dict[str, str] | None = None,
        config_file: Path | None = None,
    ) -> None:
        self.port, self.admin_port = free_port(), free_port()
        self.routes = routes
        self.workdir = workdir or routes.parent
        self.config = config or {}
        self.workers = workers
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = self.workdir / f"gateway-{self.port}.log"
        self.config_file = config_file  # one file several instances share; else written from `config`

    @property
    def url(self) -> str:
        """Base URL of the main listener."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def admin(self) -> str:
        """Base URL of the admin listener."""
        return f"http://127.0.0.1:{self.admin_port}"

    @property
    def pid(self) -> int:
        """The supervising process's pid."""
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 30.0) -> GatewayProcess:
        """Start and wait until /ready answers 200."""
        config_file = self.config_file or self.workdir / f"gateway-{self.port}.yaml"
        if self.config_file is None:
            config_file.write_text(yaml.safe_dump(self.config))
        args = [
            sys.executable,
            "-m",
            "gateway",
            "serve",
            "--config",
            str(config_file),
            "--routes",
            str(self.routes),
            "--listen",
            f"127.0.0.1:{self.port}",
            "--admin",
            f"127.0.0.1:{self.admin_port}",
            "--workers",
            str(self.workers),
        ]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(args, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT, env=self.env)
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        assert self.proc is not None
        if answers(self.proc, f"{self.admin}/ready", timeout):
            return
        if self.proc.poll() is not None:
            raise RuntimeError(f"gateway exited with {self.proc.returncode}:\n{self.log.read_text()[-3000:]}")
        raise RuntimeError(f"gateway not ready in {timeout} s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL after 15 s; returns the exit code."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        return stop_process(self.proc, 15)

    def __enter__(self) -> GatewayProcess:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
