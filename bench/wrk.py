"""One wrk run, bounded in time, and its `--latency` report parsed into numbers."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_PERCENTILE = re.compile(r"^\s*(50|75|90|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.MULTILINE)
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_TOTAL = re.compile(r"^\s*(\d+) requests in ", re.MULTILINE)
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")


@dataclass(frozen=True, order=True)
class Load:
    """What wrk measured: throughput, latency percentiles (ms) and failed requests (ordered by throughput)."""

    rps: float
    p50: float
    p99: float
    requests: int
    errors: int


class WrkFailed(Exception):
    """wrk did not finish or printed no result."""


def wrk_binary() -> str:
    """The wrk executable."""
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is not installed: run bench/run.sh, which installs it")
    return found


def parse(output: str) -> Load:
    """Numbers from wrk's output; raises WrkFailed when the summary is missing."""
    rate, total = _RATE.search(output), _TOTAL.search(output)
    percentiles = {m.group(1): float(m.group(2)) * _UNITS_MS[m.group(3)] for m in _PERCENTILE.finditer(output)}
    if rate is None or total is None or "50" not in percentiles or "99" not in percentiles:
        raise WrkFailed(f"no summary in wrk output:\n{output}")
    socket = _SOCKET.search(output)
    non_2xx = _NON_2XX.search(output)
    errors = sum(int(n) for n in socket.groups()) if socket else 0
    errors += int(non_2xx.group(1)) if non_2xx else 0
    return Load(float(rate.group(1)), percentiles["50"], percentiles["99"], int(total.group(1)), errors)


def run(url: str, connections: int, seconds: int, threads: int = 2, extra: Sequence[str] = ()) -> Load:
    """wrk -tT -cC -dSs --latency [EXTRA] URL, killed if it overruns its duration by 30 s."""
    argv = [wrk_binary(), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "--latency"]
    argv += [*extra, url]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30, check=False)
    except subprocess.TimeoutExpired as exc:
        raise WrkFailed(f"wrk ran past {seconds + 30} s") from exc
    if done.returncode != 0:
        raise WrkFailed(f"wrk exited {done.returncode}: {done.stderr.strip() or done.stdout.strip()}")
    return parse(done.stdout)
