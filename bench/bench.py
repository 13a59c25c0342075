"""Load benchmark: a 1 KiB GET through nginx (direct and as a proxy), a minimal aiohttp proxy and the
gateway, with 1 and 2 processes, at 32 and 128 connections; prints requests/s, p50/p99 and ratios.

Usage: bench/run.sh [--duration S] [--rounds N] [--cases all|direct,nginx,minimal,gateway,...]"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nginx
import targets
import wrk
from environment import describe, load_average
from gateway_run import cases
from procs import Service, Unavailable
from report import Measurement, Sample, label, median_sample, render

BASE = ("direct", "nginx", "minimal")
DEFAULT_CASES = "direct,nginx,minimal,gateway"
RESULTS = Path(__file__).resolve().parent / "results"


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    known = [*BASE, "gateway", *(c for c in cases() if c != "gateway")]
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds of each measured wrk run (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of the warm-up before the first (default 2)")
    parser.add_argument("--rounds", type=int, default=3, help="measured runs per cell, interleaved A B B A (default 3)")
    parser.add_argument("--procs", type=_ints, default=[1, 2], help="process counts (default 1,2)")
    parser.add_argument("--connections", type=_ints, default=[32, 128], help="wrk connections (default 32,128)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    choices = f"comma-separated, or 'all': {', '.join(known)} (default {DEFAULT_CASES})"
    parser.add_argument("--cases", default=DEFAULT_CASES, help=choices)
    args = parser.parse_args(argv)
    chosen = known if args.cases == "all" else [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)}; known: {', '.join(known)}")
    if any(c not in (*BASE, "gateway") for c in chosen) and "gateway" not in chosen:
        chosen.append("gateway")  # features are reported as ratios to the plain route of the same run
    args.cases = [c for c in known if c in chosen]
    if min(args.duration, args.warmup, args.rounds, args.threads, *args.procs, *args.connections) < 1:
        parser.error("every number must be at least 1")
    return args


class Bench:
    """One benchmark run: per process count, the upstream and every target up at once, loaded in turn."""

    def __init__(self, args: argparse.Namespace, scratch: Path) -> None:
        self.args = args
        self.scratch = scratch
        self.rows: list[Measurement] = []
        self.runs = 0
        self.total = len(args.procs) * len(args.cases) * len(args.connections) * args.rounds

    def run(self) -> None:
        """Measure every case at every process count."""
        for procs in self.args.procs:
            try:
                upstream = targets.start_upstream(self.scratch / f"upstream-{procs}", procs)
            except Unavailable as exc:
                raise SystemExit(f"the upstream nginx did not start: {exc}") from None
            live: list[targets.Live] = []
            try:
                for case in self.args.cases:
                    self._start(live, case, procs, upstream)
                for conns in self.args.connections:
                    self._cell(live, procs, conns)
            finally:
                for target in live:
                    target.stop()
                upstream[0].stop()

    def _start(self, live: list[targets.Live], case: str, procs: int, upstream: tuple[Service, int]) -> None:
        try:
            live.append(targets.start(case, procs, upstream, self.scratch / f"{case}-{procs}"))
        except Unavailable as exc:
            for conns in self.args.connections:
                self.runs += self.args.rounds
                self._record(Measurement(case, procs, conns, None, f"unavailable: {_short(exc)}"))

    def _cell(self, live: list[targets.Live], procs: int, conns: int) -> None:
        """Every target at one connection count, `rounds` times, alternating the order to cancel drift."""
        samples: dict[str, list[Sample]] = {t.case: [] for t in live}
        try:
            for turn in range(self.args.rounds):
                for target in live if turn % 2 == 0 else live[::-1]:
                    self.runs += 1
                    if not target.failed:
                        self._sample(target, procs, conns, turn, samples[target.case])
        finally:  # an interrupted run still reports what it measured
            for target in live:
                self._record(_summary(target, procs, conns, samples[target.case]))

    def _sample(self, target: targets.Live, procs: int, conns: int, turn: int, into: list[Sample]) -> None:
        args = self.args
        try:
            if turn == 0:
                wrk.run(target.url, conns, args.warmup, args.threads)
                if conns == args.connections[0]:
                    target.check()
            before = target.cpu()
            load = wrk.run(target.url, conns, args.duration, args.threads)
            cpu_us = (target.cpu() - before) / max(load.requests, 1) * 1e6
        except (Unavailable, wrk.WrkFailed) as exc:
            target.failed = f"unavailable: {_short(exc)}"
            return
        into.append((load, cpu_us))
        print(
            f"[{self.runs}/{self.total}] {label(target.case)}, {procs} proc, {conns} conns: {load.rps:,.0f} req/s, "
            f"p50 {load.p50:.2f} ms, p99 {load.p99:.2f} ms, {cpu_us:.0f} µs CPU/req, errors {load.errors}",
            file=sys.stderr,
            flush=True,
        )

    def _record(self, row: Measurement) -> None:
        self.rows.append(row)
        if row.load is None:
            print(f"{label(row.target)}, {row.procs} proc, {row.conns} conns: {row.note}", file=sys.stderr)


def _summary(target: targets.Live, procs: int, conns: int, samples: list[Sample]) -> Measurement:
    """The run with the median throughput and the median CPU per request, with every round kept."""
    if not samples:
        return Measurement(target.case, procs, conns, None, target.failed or "not measured (interrupted)")
    load, cpu = median_sample(samples)
    notes = [target.notes()]
    if len(samples) > 1:
        low, high = min(s[0].rps for s in samples), max(s[0].rps for s in samples)
        notes.insert(0, f"median of {len(samples)}: {low:,.0f} to {high:,.0f} req/s")
    return Measurement(target.case, procs, conns, load, "; ".join(n for n in notes if n), cpu, list(samples))


def _short(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300]


@contextmanager
def _interruptible() -> Iterator[None]:
    """SIGINT and SIGTERM unwind the run, so every `finally` stops what it started (also when a
    non-interactive shell started us with SIGINT ignored)."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = {signum: signal.signal(signum, interrupt) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the report and save it under bench/results/."""
    args = parse_args(argv)
    wrk.wrk_binary(), nginx.nginx_binary()  # fail before starting anything
    started = time.strftime("%Y%m%d-%H%M%S")
    load_before = load_average()
    if float(load_before) > 0.5:
        print(f"warning: load average {load_before} before the run; other work will skew the figures", file=sys.stderr)
    header = describe(args, started, sys.argv[1:] if argv is None else argv, load_before)
    interrupted = False
    with tempfile.TemporaryDirectory(prefix="gateway-bench-") as scratch, _interruptible():
        bench = Bench(args, Path(scratch))
        try:
            bench.run()
        except KeyboardInterrupt:
            interrupted = True
            print("interrupted: every process started was stopped; partial results follow", file=sys.stderr)
    if interrupted:
        header.append("\n**Interrupted: partial results.**")
    rows = sorted(bench.rows, key=lambda r: (r.procs, r.conns, args.cases.index(r.target)))
    text = render(header, rows, [c for c in args.cases if c not in (*BASE, "gateway")])
    print(text)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{started}.md"
    path.write_text(text + "\n")
    print(f"saved to {path}", file=sys.stderr)
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
