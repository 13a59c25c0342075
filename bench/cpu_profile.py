"""Where one proxied request's CPU goes: the gateway (one process) under cProfile or callgrind while a
fixed number of requests goes through one bench route; the summary is saved as a small text file.

- `--tool cprofile`: a pstats summary (own time and cumulative time per function), grouped into the
  request's stages (front, dispatch, filters, upstream client, response writing) by module;
- `--tool callgrind`: user-space instructions per request, counted only while the measured requests
  run (repeatable whatever else runs on the machine), and the top functions by instructions.

Usage: .venv/bin/python bench/cpu_profile.py --case gateway --tool callgrind [--requests 3000] [--label before]"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import pstats
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import aiohttp
import bearer_case
import cookie_case
import fronts
import targets
from environment import REPO, python_for_servers
from gateway_run import GatewayRun, profile_cases
from procs import Service, Unavailable, free_port, wait_for
from stages import stage_table

RESULTS = Path(__file__).resolve().parent / "results"


async def drive(
    url: str, requests: int, connections: int, headers: Sequence[Mapping[str, str]] = (), *, each: bool = False
) -> int:
    """Send `requests` GETs over `connections` kept-alive connections, each with one of `headers` drawn at
    random (if any; with `each`, every one in turn); how many answers set cookies."""
    setting = 0
    connector = aiohttp.TCPConnector(limit=connections)
    # No cookie jar: every request carries exactly the credentials drawn for it.
    async with aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar()) as client:
        todo = iter(range(requests))
        draw = random.Random(requests).choice

        async def worker() -> None:
            nonlocal setting
            for i in todo:
                chosen = (headers[i % len(headers)] if each else draw(headers)) if headers else None
                async with client.get(url, headers=chosen) as response:
                    await response.read()
                    if response.status != 200:
                        raise SystemExit(f"GET {url} gave {response.status}")
                    setting += "Set-Cookie" in response.headers

        await asyncio.gather(*(worker() for _ in range(connections)))
    return setting


def warm_up(url: str, args: argparse.Namespace) -> None:
    """The warm-up requests, then each credential once, as a load of some seconds would have sent them;
    `--cold`: the first credential only, the others are kept for the measured requests."""
    asyncio.run(drive(url, args.warmup, args.connections, args.headers[:1] if args.cold else args.headers))
    if len(args.headers) > 1 and not args.cold:
        asyncio.run(drive(url, len(args.headers), args.connections, args.headers, each=True))


def measure(url: str, args: argparse.Namespace) -> None:
    """The measured requests (`--cold`: each session but the warm-up's once, its first use by the gateway);
    how many of their answers set a cookie is kept in `args.set_cookies`."""
    if args.cold:
        args.set_cookies = asyncio.run(drive(url, args.requests, args.connections, args.headers[1:], each=True))
    else:
        args.set_cookies = asyncio.run(drive(url, args.requests, args.connections, args.headers))


def _start(
    args: argparse.Namespace, folder: Path, upstream: int, wrapper: list[str], flags: list[str]
) -> tuple[GatewayRun, str]:
    settings = args.settings
    run = GatewayRun(
        args.case, folder, upstream, 1, python_for_servers(), wrapper=wrapper, flags=flags, settings=settings
    )
    deadline = time.monotonic() + 600  # under valgrind, starting takes minutes
    while True:
        try:
            first = args.headers[0] if args.headers else None
            return run, run.ready(targets.BODY_PATH, targets.BODY, timeout=600, headers=first)
        except Unavailable:
            # Slowed down, the listener may answer before the route is loaded: ask again.
            if not run.service.alive() or time.monotonic() > deadline:
                run.service.stop()
                raise
            time.sleep(1)


def _callgrind(args: argparse.Namespace, folder: Path, upstream: int) -> str:
    out = folder / "callgrind.out"
    wrapper = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}"]
    wrapper += ["--separate-threads=yes"] if args.per_thread else []
    run, url = _start(args, folder / "gw", upstream, wrapper, [])
    if not args.per_thread:
        return _counted(args, run.service, url, out)
    _counted(args, run.service, url, None)
    return _per_thread(args, folder)


def _per_thread(args: argparse.Namespace, folder: Path) -> str:
    """Instructions per request of each thread (callgrind writes one file per thread)."""
    lines = []
    for path in sorted(folder.glob("callgrind.out-*")):
        total = _total(subprocess.run(["callgrind_annotate", str(path)], capture_output=True, text=True).stdout)
        lines.append(f"thread {path.name.rsplit('-', 1)[1]}: {total / args.requests:,.0f} instructions per request")
    return "\n".join(lines)


def _total(annotate: str) -> int:
    line = next(line for line in annotate.splitlines() if "PROGRAM TOTALS" in line)
    count = line.split()[0].replace(",", "")
    return int(count) if count.isdigit() else 0  # "." for a thread that ran nothing while counted


def _counted(args: argparse.Namespace, service: Service, url: str, out: Path | None) -> str:
    """Warm up, count instructions over the measured requests only, stop the server, summarise."""
    pid = str(service.proc.pid)
    try:
        warm_up(url, args)
        subprocess.run(["callgrind_control", "--instr=on", pid], check=True, capture_output=True)
        measure(url, args)
        subprocess.run(["callgrind_control", "--instr=off", pid], check=True, capture_output=True)
    finally:
        service.stop(grace=60)  # callgrind writes its file as the process exits
    if out is None:
        return ""
    annotate = subprocess.run(
        ["callgrind_annotate", "--threshold=90", str(out)], capture_output=True, text=True, check=True
    ).stdout
    instructions = _total(annotate)
    head = f"{instructions / args.requests:,.0f} instructions per request ({instructions:,} for {args.requests:,})"
    return head + "\n\n" + clean_annotate(annotate)


def clean_annotate(text: str, count: int = 40) -> str:
    """The top functions of callgrind_annotate, without the machine's build and install folders."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if "PROGRAM TOTALS" in line), 0)
    kept = []
    for line in lines[start : start + count]:
        line = re.sub(r"\s*\[/[^\]]*\]\s*$", "", line)  # the object file each function is in
        line = re.sub(r"/\S*/Python-3\.[\d.]+/", "cpython/", line)
        kept.append(_short_path(line))
    return "\n".join(kept)


def _front(args: argparse.Namespace, folder: Path, upstream: int) -> str:
    """A bare front under callgrind: what the server side alone costs per request."""
    out, port = folder / "callgrind.out", free_port()
    argv = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}"]
    argv += [python_for_servers(), str(Path(__file__).with_name("fronts.py")), args.front, str(port)]
    service = Service(f"{args.front} front", argv, REPO, folder / "front.log")
    url = f"http://127.0.0.1:{port}{targets.BODY_PATH}"
    try:
        wait_for(service, url, targets.BODY, timeout=600)
    except Unavailable:
        service.stop()
        raise
    return _counted(args, service, url, out)


def _cprofile(args: argparse.Namespace, folder: Path, upstream: int) -> str:
    out = folder / "gateway.prof"
    script = str(Path(__file__).with_name("profiled_gateway.py"))
    run, url = _start(args, folder / "gw", upstream, [], [script, str(out)])
    try:
        warm_up(url, args)
        os.kill(run.service.proc.pid, signal.SIGUSR1)
        measure(url, args)
        os.kill(run.service.proc.pid, signal.SIGUSR2)
        deadline = time.monotonic() + 30
        while not out.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        run.service.stop(grace=30)
    if not out.exists():
        raise SystemExit(f"no profile written: {run.service.tail()}")
    stats = pstats.Stats(str(out))
    return stage_table(stats, args.requests) + "\n\n" + _top(stats, args.top)


def _top(stats: pstats.Stats, count: int) -> str:
    text = io.StringIO()
    stats.stream = text  # type: ignore[attr-defined]
    stats.sort_stats("tottime").print_stats(count)
    lines = text.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    body = "\n".join(_short_path(line) for line in lines[start:])
    return "Top functions by own time (main thread CPU):\n\n" + body


def _short_path(line: str) -> str:
    """Paths relative to the checkout or to site-packages / the standard library: no machine's folders."""
    line = line.replace(str(REPO) + "/", "")
    return re.sub(r"(?<!\S)\S*/(?:site-packages|lib/python3\.\d+)/", "", line)


def main() -> int:
    """Profile one case and save the summary."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", default="gateway", choices=profile_cases())
    parser.add_argument("--tool", default="cprofile", choices=("cprofile", "callgrind"))
    parser.add_argument("--per-thread", action="store_true", help="callgrind: count each thread apart")
    parser.add_argument("--front", choices=fronts.KINDS, help="count a bare front instead (callgrind)")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--top", type=int, default=35, help="functions listed (cprofile)")
    parser.add_argument("--sessions", type=int, default=1, help="cookie: distinct sessions, one drawn per request")
    parser.add_argument(
        "--cold", action="store_true", help="cookie: each session's first use (decryption, activity recorded)"
    )
    parser.add_argument("--age", type=float, default=600.0, help="cookie: seconds since the sessions' login")
    parser.add_argument("--label", default="", help="added to the file name, e.g. before / after")
    parser.add_argument("--keep", type=Path, help="callgrind: copy the raw output files here, for callgrind_annotate")
    args = parser.parse_args()
    args.set_cookies = 0
    if args.cold:
        args.requests = args.sessions  # one first use each
    with tempfile.TemporaryDirectory(prefix="gateway-profile-") as scratch:
        folder = Path(scratch)
        service, port = targets.start_upstream(folder / "upstream", 1)
        args.settings, args.headers = None, []
        if args.case in ("bearer", "cookie"):
            www, issuer = folder / "upstream" / "www", f"http://127.0.0.1:{port}"
            args.settings, bearer = bearer_case.serve_provider(www, issuer)
            args.headers = [bearer]
        if args.case == "cookie":
            # The gateway's state folder (see GatewayRun), filled before the gateway starts.
            # Logged in `--age` ago, so each session's first use records activity (a store write and a new
            # cookie): in the warm-up, or (`--cold`) in the measured requests.
            count = args.sessions + 1 if args.cold else args.sessions
            cookies = cookie_case.mint(folder / "gw" / "state", issuer, count, args.age)
            args.headers = [{"Cookie": cookie} for cookie in cookies]
        try:
            tool = _front if args.front else _callgrind if args.tool == "callgrind" else _cprofile
            text = tool(args, folder, port)
            if args.keep is not None:
                args.keep.mkdir(parents=True, exist_ok=True)
                for raw in folder.glob("callgrind.out*"):
                    shutil.copy(raw, args.keep / raw.name)
        finally:
            service.stop()
    what, tool = (f"front-{args.front}", "callgrind") if args.front else (args.case, args.tool)
    what += ("-cold" if args.cold else "-distinct" if args.sessions > 1 else "-replay") if args.case == "cookie" else ""
    tool += "-threads" if args.per_thread else ""
    name = f"profile-{what}-{tool}{'-' + args.label if args.label else ''}.txt"
    drawn = "each used once, its first use" if args.cold else "drawn at random"
    sessions = f", {args.sessions:,} sessions {drawn}" if args.case == "cookie" else ""
    sessions += f" ({args.set_cookies:,} answers set a cookie)" if args.case == "cookie" else ""
    header = f"# {what}, {tool}, {args.requests:,} requests over {args.connections} connections{sessions}\n\n"
    (RESULTS / name).parent.mkdir(exist_ok=True)
    (RESULTS / name).write_text(header + text + "\n")
    print(header + text.split("\n\n", 1)[0])
    print(f"saved to {RESULTS / name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
