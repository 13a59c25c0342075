"""Child processes of the benchmark: free ports, start in their own session, stop the whole group."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path


class Unavailable(Exception):
    """A target cannot be measured in this checkout (a type not built yet, a route that fails)."""


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Service:
    """A server process started in its own session, so that stopping it reaches its workers too."""

    def __init__(self, name: str, argv: Sequence[str], cwd: Path, log: Path) -> None:
        self.name = name
        self.log = log
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                list(argv), cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def alive(self) -> bool:
        """Whether the process is still running."""
        return self.proc.poll() is None

    def tail(self, lines: int = 8) -> str:
        """The end of the process's output, for error messages."""
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.strip().splitlines()[-lines:])

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM the process group, then SIGKILL what is left after `grace` seconds."""
        if self.alive():
            self._signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=grace)
        # Workers may outlive a leader that already exited: the group is killed in any case.
        self._signal(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)

    def cpu(self) -> float:
        """CPU seconds used so far by the process and its workers."""
        return group_cpu(self.proc.pid)

    def _signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signum)


def fetch(url: str, timeout: float = 2.0, headers: Mapping[str, str] | None = None) -> tuple[int, bytes]:
    """GET a URL: (status, body); (0, b"") when nothing answers."""
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, headers=dict(headers or {})), timeout=timeout
        ) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (OSError, ValueError):
        return 0, b""


def wait_for(
    service: Service, url: str, expect: bytes, timeout: float = 30.0, headers: Mapping[str, str] | None = None
) -> None:
    """Wait until `url` answers 200 with exactly `expect`; raise Unavailable with the reason otherwise."""
    deadline = time.monotonic() + timeout
    status, body = 0, b""
    while time.monotonic() < deadline:
        if not service.alive():
            raise Unavailable(f"{service.name} exited: {service.tail(2)}")
        status, body = fetch(url, headers=headers)
        if status == 200 and body == expect:
            return
        if status not in (0, 200):
            break
        time.sleep(0.1)
    raise Unavailable(f"{service.name}: GET {url} gave {status} {body[:200]!r}")


_TICK = os.sysconf("SC_CLK_TCK")


def process_stats() -> Iterator[tuple[int, list[str]]]:
    """(pid, the fields of /proc/PID/stat after the command name) of every live process: state, ppid,
    pgrp, ... with utime and stime at 11 and 12 (fields 14 and 15 of stat)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            yield int(entry.name), (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile


def group_cpu(pgid: int) -> float:
    """CPU seconds (user + system) used so far by the live processes of a process group."""
    ticks = sum(int(f[11]) + int(f[12]) for _, f in process_stats() if int(f[2]) == pgid)
    return ticks / _TICK
