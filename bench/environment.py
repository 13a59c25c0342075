"""What a result depends on: the machine, the versions, the commit and the exact command."""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def python_for_servers() -> str:
    """The project's virtualenv Python if there is one (it has aiohttp and uvloop), else this one."""
    venv = REPO / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def _output(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False, cwd=REPO)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    text = (done.stdout + done.stderr).strip()
    return text.splitlines()[0] if text else "?"


def _cpu() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor() or "?"
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "?")


def _python_versions() -> str:
    code = "import sys, aiohttp\ntry:\n import uvloop; u = uvloop.__version__\nexcept ImportError:\n u = 'absent'\n"
    code += "print(f'Python {sys.version.split()[0]}, aiohttp {aiohttp.__version__}, uvloop {u}')"
    return _output([python_for_servers(), "-c", code])


def _commit() -> str:
    commit = _output(["git", "rev-parse", "--short", "HEAD"])
    # Only the code under test matters; other folders change without changing the figures.
    dirty = _output(["git", "status", "--porcelain", "--", "gateway"]) not in ("", "?")
    return f"{commit} (gateway/ with uncommitted changes)" if dirty else commit


def load_average() -> str:
    """The 1-minute load average: other work on the machine skews every figure."""
    return f"{os.getloadavg()[0]:.2f}"


def _rounds(rounds: int) -> str:
    if rounds == 1:
        return "once per target"
    return (
        f"{rounds} times per target, targets interleaved (A B B A), the run with the median requests/s kept; "
        "ratios are the median of the rounds' paired ratios ([lowest, highest] beside them)"
    )


def describe(args: argparse.Namespace, started: str, argv: list[str], load_before: str) -> list[str]:
    """Markdown lines that head a report."""
    nginx = _output(["nginx", "-v"]) if _output(["which", "nginx"]) != "?" else _output(["/usr/sbin/nginx", "-v"])
    wrk = " ".join(_output(["wrk", "-v"]).split()[:2])
    cores = os.cpu_count() or 0
    return [
        f"## Benchmark run {started}",
        "",
        f"- Command: `{' '.join(['bench/run.sh', *argv])}`",
        f"- Machine: {cores} cores, {_cpu()}, Linux {platform.release()}; wrk and the servers share these cores. "
        f"Load average (1 min) before the run: {load_before}.",
        f"- Software: {_python_versions()}, {nginx.replace('nginx version: ', '')}, {wrk}; commit {_commit()}.",
        f"- Load: 1 KiB text GET on loopback; `wrk -t{args.threads} -c<conns> -d{args.duration}s --latency`, "
        f"{_rounds(args.rounds)}, after a {args.warmup} s warm-up at the same connection count. Processes: nginx "
        "`worker_processes`, proxy processes, gateway `--workers`; the upstream nginx has as many workers.",
    ]
