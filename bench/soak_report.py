"""The soak's report: one row per minute, and whether memory, descriptors and the store stayed flat."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import wrk
from soak_sample import StoreSize, Worker, drift

FLAT = 0.10


@dataclass(frozen=True)
class Minute:
    """What one minute of the soak did and left behind."""

    index: int
    load: wrk.Load
    churn: dict[str, int]
    workers: list[Worker]
    store: StoreSize
    load_average: str

    @property
    def errors(self) -> int:
        """Failed wrk requests and failed browser steps in this minute."""
        return self.load.errors + self.churn.get("errors", 0)

    def progress(self) -> str:
        """One line for stderr."""
        rss = "/".join(f"{w.rss_kib / 1024:.1f}" for w in self.workers)
        fds = "/".join(str(w.fds) for w in self.workers)
        return (
            f"minute {self.index}: {self.load.rps:,.0f} req/s, {self.errors} errors, "
            f"logins {self.churn.get('logins', 0)}, RSS MiB {rss}, fds {fds}, "
            f"session keys {self.store.session_keys}, load {self.load_average}"
        )


def _row(m: Minute) -> str:
    rss = " / ".join(f"{w.rss_kib / 1024:.1f}" for w in m.workers)
    fds = " / ".join(str(w.fds) for w in m.workers)
    c = m.churn.get
    cells = [
        m.index, f"{m.load.rps:,.0f}", f"{m.load.p50:.2f}", f"{m.load.p99:.2f}", c("logins", 0), c("refreshes", 0),
        c("logouts", 0), c("requests", 0), m.errors, rss, fds, m.store.session_keys, m.store.deadlines,
        f"{m.store.file_bytes / 1024:,.0f}", m.load_average,
    ]  # fmt: skip
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def _series(minutes: list[Minute]) -> dict[str, Callable[[Minute], float]]:
    """The figures that must stay flat, one getter each (workers by position: pids may change)."""
    out: dict[str, Callable[[Minute], float]] = {}
    for i in range(min(len(m.workers) for m in minutes)):
        out[f"RSS of worker {i + 1}"] = lambda m, i=i: m.workers[i].rss_kib
        out[f"open fds of worker {i + 1}"] = lambda m, i=i: m.workers[i].fds
    out["session keys in the store"] = lambda m: m.store.session_keys
    out["scheduled session deadlines"] = lambda m: m.store.deadlines
    return out


def verdicts(minutes: list[Minute], warmup: int) -> list[str]:
    """One line per series: first and last value after the warm-up, the drift, flat or not."""
    after = minutes[warmup:]
    lines = []
    for name, get in _series(minutes).items():
        values = [float(get(m)) for m in after]
        change = drift(values)
        mark = "flat ✔" if abs(change) <= FLAT else "not flat ✘"
        lines.append(
            f"| {name} | {values[0]:,.0f} | {min(values):,.0f} | {max(values):,.0f} | {values[-1]:,.0f} | "
            f"{change:+.1%} | {mark} |"
        )
    return lines


def render(args: argparse.Namespace, soak: Any, head: list[str]) -> str:
    """The Markdown report of a finished (or interrupted) soak; `head` describes machine and software."""
    minutes: list[Minute] = soak.minutes
    cap = soak.capacity
    lines = [f"## Soak {time.strftime('%Y-%m-%d %H:%M')}", "", *head, f"- Gateway workers: {args.workers}."]
    if cap is not None:
        lines.append(
            f"- Capacity measured first ({args.capacity_seconds} s, {args.connections} connections, open loop): "
            f"{cap.rps:,.0f} req/s; the soak paces wrk to half of it, {soak.paced_rate:,.0f} req/s."
        )
    lines += [f"- Login churn: {args.browsers} looping browsers; provider access tokens live {args.token_ttl} s.", ""]
    if not minutes:
        return "\n".join([*lines, "No minute finished."])
    lines += [
        "| min | req/s | p50 ms | p99 ms | logins | refreshes | logouts | session requests | errors"
        " | RSS MiB per worker | fds per worker | session keys | deadlines | store KiB | load avg |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
        *(_row(m) for m in minutes),
        "",
    ]
    warmup = min(args.warmup, len(minutes) - 1)
    lines += [
        f"After the warm-up (minutes {warmup + 1} to {len(minutes)}); drift = last / first - 1, "
        f"flat when within ±{FLAT:.0%}:",
        "",
        "| series | first | min | max | last | drift | |",
        "|---|--:|--:|--:|--:|--:|---|",
        *verdicts(minutes, warmup),
        "",
        f"Errors in total: {sum(m.errors for m in minutes)} (wrk: {sum(m.load.errors for m in minutes)}, "
        f"browsers: {sum(m.churn.get('errors', 0) for m in minutes)}). {_last_error(soak)}",
    ]
    return "\n".join(lines) + "\n"


def _last_error(soak: Any) -> str:
    error: str = soak.churn.last_error
    return f"Last browser error: {error}" if error else ""
