"""The authentication benchmark's markdown report: every cell's median round, then the
gateway / Apache ratios, each the median of the rounds' paired ratios with their spread."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from report import Ratio, Sample, median_sample, paired

if TYPE_CHECKING:
    import argparse

LABELS = {"apache": "Apache 2.4 + mod_auth_openidc", "gateway": "gateway"}
# The goals for the authenticated modes: gateway req/s at least this times Apache's, p99 at most Apache's.
SPEED_GOAL = 1.3


@dataclass
class Row:
    """One server, one mode and form, one connection count: every round measured, in run order."""

    mode: str
    form: str
    server: str
    conns: int
    samples: list[Sample] = field(default_factory=list)
    note: str = ""


def _version(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    text = (done.stdout + done.stderr).strip()
    return text.splitlines()[0] if text else "?"


def _software() -> str:
    apache = _version(["apache2", "-v"]).removeprefix("Server version: ")
    openidc = _version(["dpkg-query", "-W", "-f", "${Version}", "libapache2-mod-auth-openidc"])
    code = "import sys, aiohttp; print(f'Python {sys.version.split()[0]}, aiohttp {aiohttp.__version__}')"
    wrk_version = " ".join(_version(["wrk", "-v"]).split()[:2])
    return f"{apache}, mod_auth_openidc {openidc}; {_version([sys.executable, '-c', code])}; {wrk_version}"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            return next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "?")
    except OSError:
        return "?"


def render(args: argparse.Namespace, rows: list[Row], argv: list[str], loads: tuple[str, str]) -> str:
    """The whole report."""
    lines = [
        f"## Authentication benchmark {time.strftime('%Y-%m-%d %H:%M:%S')}",
        "",
        f"- Command: `bench/auth/run.sh {' '.join(argv)}`",
        f"- Machine: {os.cpu_count()} cores, {_cpu_model()}; wrk, the servers and the provider share them. "
        f"Load average (1 min) before the run {loads[0]}, after it {loads[1]} (this run's threads included).",
        f"- Software: {_software()}.",
        f"- Load: `wrk -t{args.threads} -c<conns> -d{args.duration}s --latency` after a {args.warmup} s warm-up, "
        f"1 KiB file from nginx behind each server; gateway {args.workers} workers, Apache event MPM 2 processes; "
        f"{args.rounds} rounds per cell, the servers taking turns A B B A; the round with the median req/s is "
        "shown, ratios are the median of the rounds' paired ratios [lowest, highest]. Distinct form: "
        f"{args.tokens:,} tokens, {args.sessions:,} sessions per server, one drawn at random per request.",
        "",
        "| mode | form | server | conns | req/s | p50 ms | p99 ms | CPU µs/req | errors |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|",
    ]
    lines += [_row(r) for r in rows]
    lines += [
        "",
        f"| mode | form | conns | gateway / Apache req/s (goal ≥ {SPEED_GOAL}) | p99 gateway / Apache (goal ≤ 1) "
        "| CPU per request Apache / gateway | met |",
        "|---|---|--:|--:|--:|--:|---|",
    ]
    cells = sorted({(r.mode, r.form, r.conns) for r in rows}, key=lambda c: (_MODES.index(c[0]), c[1], c[2]))
    lines += [_ratio_row(rows, *cell) for cell in cells]
    return "\n".join(lines)


_MODES = ("plain", "bearer", "cookie")


def _row(r: Row) -> str:
    head = f"| {r.mode} | {r.form} | {LABELS[r.server]} | {r.conns}"
    if not r.samples:
        return f"{head} | — | — | — | — | unavailable: {r.note} |"
    load, cpu = median_sample(r.samples)
    return f"{head} | {load.rps:,.0f} | {load.p50:.2f} | {load.p99:.2f} | {cpu:.0f} | {load.errors} |"


def _fmt(ratio: Ratio | None) -> str:
    if ratio is None:
        return "—"
    return f"{ratio.median:.2f} [{ratio.low:.2f}, {ratio.high:.2f}]"


def _ratio_row(rows: list[Row], mode: str, form: str, conns: int) -> str:
    found = {r.server: r.samples for r in rows if (r.mode, r.form, r.conns) == (mode, form, conns)}
    gateway, apache = found.get("gateway") or [], found.get("apache") or []
    speed, p99, cpu = paired(gateway, apache), paired(gateway, apache, "p99"), paired(apache, gateway, "cpu")
    if mode == "plain":
        met = "— (reference: the proxying alone)"
    elif speed is None or p99 is None:
        met = "—"
    else:
        met = "yes" if speed.median >= SPEED_GOAL and p99.median <= 1.0 else "no"
    return f"| {mode} | {form} | {conns} | {_fmt(speed)} | {_fmt(p99)} | {_fmt(cpu)} | {met} |"
