"""Security signals benchmark: does a logout storm that emits SETs slow other users' proxied traffic,
and how many SETs per second does the signals process deliver to a local push receiver?

    .venv/bin/python bench/signals.py [--rounds 3] [--seconds 3] [--rate 200] [--connections 16]

One gateway process (`python -m gateway serve`, one worker) with a public route to a local upstream
and a push stream to a local receiver. Sessions are made beforehand in the gateway's embedded store.
Each round loads the route with wrk for `--seconds` six times: alone, then during a logout storm
(sessions revoked through the admin API at `--rate` per second) with the stream disabled, so that
no SET is made, twice with it enabled (each end writes a SET's claims to the outbox; the signals
process, a child of the worker at a lower CPU priority, signs and pushes it), once more disabled,
and alone again: A B B A twice over. The medians, their spread and the ratios of storm to quiet and
of SETs to no SETs tell what emitting SETs costs other users; the CPU seconds the worker and the
signals process used in each run (from /proc) tell who paid for the SETs. Last, the receiver
answers 503 while `--deliver` sessions end, then 202: the time until it holds them all gives the
SETs/s the signals process delivers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from procs import process_stats  # noqa: E402  (this folder is on sys.path)

from bench import wrk  # noqa: E402
from gateway.sessions import SessionManager, Tokens  # noqa: E402
from gateway.sessions.events import EventBus  # noqa: E402
from gateway.sessions.keys import session_key  # noqa: E402
from gateway.settings import Settings  # noqa: E402
from gateway.stores import SqliteStore  # noqa: E402

SECRET = "benchmark session secret, 32+ characters long"
MANAGER = "Bearer benchmark-stream-manager-token"
SESSION_REVOKED = "https://schemas.openid.net/secevent/caep/event-type/session-revoked"
PUSH = "urn:ietf:rfc:8935"
# Phases of one round: A B B A, where A is traffic alone and B traffic during a logout storm, once
# with the stream disabled (sessions end, no SET is made) and once enabled (each end signs a SET).
PHASES = ("alone", "storm", "storm+SETs", "storm+SETs", "storm", "alone")
# A separate process, so that the upstream does not share the benchmark's own event loop.
UPSTREAM = """
import sys
from aiohttp import web
app = web.Application()
app.router.add_get("/{tail:.*}", lambda request: web.Response(text="x" * 1024))
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
"""


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def make_sessions(state: Path, count: int) -> list[str]:
    """`count` sessions in the embedded store the gateway will open."""
    settings = Settings.model_validate({"state": str(state), "sessions": {"secret": SECRET}})
    store = SqliteStore(state / "gateway.db")
    manager = SessionManager(store, settings, EventBus(), session_key(SECRET, state))

    async def one(n: int) -> str:
        tokens = Tokens("a", "r", "i", time.time() + 3600)
        claims = {"email": f"user{n}@example.com", "sid": f"idp-{n}"}
        session = await manager.create(
            subject=f"user{n}", issuer="https://idp.example.com", provider="p", method="browser",
            claims=claims, tokens=tokens,
        )  # fmt: skip
        return session.id

    sids = []
    for start in range(0, count, 200):
        sids += await asyncio.gather(*(one(n) for n in range(start, min(count, start + 200))))
    await store.close()
    return sids


async def revoke(
    http: aiohttp.ClientSession, admin: str, sids: list[str], rate: float | None, until: float = float("inf")
) -> int:
    """End the sessions, `rate` per second until `until` (or all, 16 at a time); returns how many ended."""
    started = time.monotonic()

    async def one(sid: str) -> None:
        async with http.post(f"{admin}/admin/api/sessions/revoke", json={"sid": sid}) as response:
            await response.read()

    if rate is None:
        queue = list(sids)

        async def worker() -> None:
            while queue:
                await one(queue.pop())

        await asyncio.gather(*(worker() for _ in range(16)))
    else:
        pending = []
        for n, sid in enumerate(sids):
            await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
            if time.monotonic() >= until:
                break
            pending.append(asyncio.create_task(one(sid)))
        await asyncio.gather(*pending)
        return len(pending)
    return len(sids)


class Receiver:
    """A local push receiver; answers 503 while `down`, so that SETs pile up in the outbox."""

    def __init__(self) -> None:
        self.got: list[float] = []
        self.down = False

    async def accept(self, request: web.Request) -> web.Response:
        await request.read()
        if self.down:
            return web.Response(status=503)
        self.got.append(time.monotonic())
        return web.Response(status=202)

    async def wait(self, count: int, limit: float = 120.0) -> None:
        """Until `count` SETs arrived (or `limit` seconds passed)."""
        deadline = time.monotonic() + limit
        while len(self.got) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.01)


def start_gateway(folder: Path, upstream: int, receiver: int) -> tuple[subprocess.Popen[bytes], int, int]:
    """One gateway worker with signals on: a route to `upstream`, a push stream to `receiver`."""
    routes = folder / "routes"
    routes.mkdir()
    route = {"name": "echo", "baseURI": f"http://127.0.0.1:{upstream}", "handler": "ClientHandler"}
    (routes / "echo.json").write_text(json.dumps(route))
    config = {
        "state": str(folder / "state"), "sessions": {"secret": SECRET}, "logFormat": "json",
        "signals": {
            "enabled": True, "issuer": "https://gw.example.com", "backoff": "10 ms", "maxBackoff": "100 ms",
            "clients": [{"id": "bench", "token": MANAGER[len("Bearer "):], "scopes": ["ssf.manage", "ssf.read"]}],
        },
    }  # fmt: skip
    (folder / "gateway.json").write_text(json.dumps(config))
    port, admin = free_port(), free_port()
    argv = [sys.executable, "-m", "gateway", "serve", "--config", str(folder / "gateway.json"),
            "--routes", str(routes), "--listen", f"127.0.0.1:{port}", "--admin", f"127.0.0.1:{admin}"]  # fmt: skip
    with (folder / "gateway.log").open("wb") as log:
        return subprocess.Popen(argv, cwd=REPO, stdout=log, stderr=subprocess.STDOUT), port, admin


async def wait_ready(url: str) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            try:
                async with http.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the gateway did not become ready")


def cpu(worker: int) -> tuple[float, float]:
    """CPU seconds used so far by the worker and by its children (the signals process)."""
    ticks = os.sysconf("SC_CLK_TCK")
    mine = children = 0
    for pid, fields in process_stats():
        used = int(fields[11]) + int(fields[12])
        if pid == worker:
            mine += used
        elif int(fields[1]) == worker:
            children += used
    return mine / ticks, children / ticks


# Per phase, one (worker, signals process) pair of CPU seconds per run.
Cpu = dict[str, list[tuple[float, float]]]


async def rounds(
    args: argparse.Namespace, url: str, admin: str, sids: list[str], worker: int
) -> tuple[dict[str, list[wrk.Load]], Cpu]:
    """A B B A per round, for the storm without and with SETs; each storm ends sessions of its own."""
    loads: dict[str, list[wrk.Load]] = {phase: [] for phase in PHASES}
    used: Cpu = {phase: [] for phase in PHASES}
    async with aiohttp.ClientSession(headers={"Authorization": MANAGER}) as http:
        stream = await create_stream(http, admin, args.receiver_url)
        for number in range(args.rounds):
            for phase in PHASES:
                if phase != "alone":  # before the run, so that a status change's notice is not counted
                    await set_status(http, admin, stream, "enabled" if phase == "storm+SETs" else "disabled")
                before = cpu(worker)
                measuring = asyncio.create_task(asyncio.to_thread(wrk.run, url, args.connections, args.seconds))
                if phase != "alone":
                    until = time.monotonic() + args.seconds
                    ended = await revoke(http, admin, sids[: int(args.rate * args.seconds)], args.rate, until)
                    del sids[:ended]
                    print(f"round {number + 1}, {phase}: {ended / args.seconds:.0f} logouts/s", file=sys.stderr)
                loads[phase].append(await measuring)
                await asyncio.sleep(0.5)  # the signals process pushes the run's last SETs
                after = cpu(worker)
                used[phase].append((after[0] - before[0], after[1] - before[1]))
        await set_status(http, admin, stream, "enabled")
    return loads, used


async def create_stream(http: aiohttp.ClientSession, admin: str, receiver: str) -> str:
    """A push stream to the local receiver, through the SSF stream management API."""
    body = {"delivery": {"method": PUSH, "endpoint_url": receiver}, "events_requested": [SESSION_REVOKED]}
    async with http.post(f"{admin}/ssf/streams", json=body) as response:
        return str((await response.json())["stream_id"])


async def set_status(http: aiohttp.ClientSession, admin: str, stream: str, status: str) -> None:
    """Enable (SETs made) or disable (no SET made) the stream, and let every process see it."""
    async with http.post(f"{admin}/ssf/status", json={"stream_id": stream, "status": status}) as response:
        response.raise_for_status()
    await asyncio.sleep(0.3)  # the embedded store's change notice reaches the worker within 0.2 s


async def delivery(admin: str, receiver: Receiver, sids: list[str]) -> str:
    """SETs/s the signals process pushes: made while the receiver refuses them, timed once it takes them."""
    await asyncio.sleep(1.0)  # the storms' last SETs arrive
    receiver.down = True
    async with aiohttp.ClientSession() as http:
        await revoke(http, admin, sids, None)
    before = len(receiver.got)
    receiver.down = False
    opened = time.monotonic()
    await receiver.wait(before + len(sids))
    took = (receiver.got[-1] if len(receiver.got) > before else time.monotonic()) - opened
    done = len(receiver.got) - before
    rate = f"**{done / took:,.0f} SETs/s** (the signals process)"
    return f"{done} of {len(sids)} queued SETs delivered in {took:.2f} s: {rate}"


def spread(values: list[float], digits: int = 1) -> str:
    return f"{statistics.median(values):,.{digits}f} ({min(values):,.{digits}f}-{max(values):,.{digits}f})"


def cpu_report(used: Cpu, args: argparse.Namespace) -> list[str]:
    """CPU seconds per run of the worker and of the signals process, and the worker's share per SET."""
    lines = ["", "| run | worker CPU s median (min-max) | signals process CPU s median (min-max) |", "|---|---|---|"]
    for phase in ("alone", "storm", "storm+SETs"):
        runs = used[phase]
        lines.append(f"| {phase} | {spread([w for w, _ in runs], 2)} | {spread([c for _, c in runs], 2)} |")
    logouts = args.rate * args.seconds
    extra = statistics.median(w for w, _ in used["storm+SETs"]) - statistics.median(w for w, _ in used["storm"])
    signing = statistics.median(c for _, c in used["storm+SETs"])
    lines.append(f"\nthe worker's CPU per SET (storm+SETs - storm medians): {extra / logouts * 1e6:,.0f} µs; "
                 f"the signals process's: {signing / logouts * 1e6:,.0f} µs")  # fmt: skip
    return lines


def report(loads: dict[str, list[wrk.Load]], args: argparse.Namespace) -> list[str]:
    """The table of every phase, and each storm against the traffic alone and against each other."""
    lines = ["| other users' traffic | runs | requests/s median (min-max) | p99 ms median (min-max) | errors |",
             "|---|---|---|---|---|"]  # fmt: skip
    names = {"alone": "alone", "storm": f"during {args.rate:.0f} logouts/s, stream disabled (no SET)",
             "storm+SETs": f"during {args.rate:.0f} logouts/s, a SET per logout"}  # fmt: skip
    for phase, runs in loads.items():
        rps, p99 = [r.rps for r in runs], [r.p99 for r in runs]
        lines.append(
            f"| {names[phase]} | {len(runs)} | {spread(rps)} | {spread(p99)} | {sum(r.errors for r in runs)} |"
        )
    lines.append("")
    for storm, base in (("storm", "alone"), ("storm+SETs", "alone"), ("storm+SETs", "storm")):
        lines.append(f"{storm} / {base}: requests/s {_ratio(loads, storm, base, 'rps')}, "
                     f"p99 {_ratio(loads, storm, base, 'p99')}")  # fmt: skip
    return lines


def _ratio(loads: dict[str, list[wrk.Load]], top: str, bottom: str, what: str) -> str:
    """The ratio of medians, and the range of the ratios of the runs of one round (paired)."""
    a, b = [getattr(r, what) for r in loads[top]], [getattr(r, what) for r in loads[bottom]]
    pairs = [x / y for x, y in zip(a, b, strict=True)]
    return f"{statistics.median(a) / statistics.median(b):.2f} (pairs {min(pairs):.2f}-{max(pairs):.2f})"


async def main(args: argparse.Namespace) -> None:
    load_before = os.getloadavg()[0]
    receiver = Receiver()
    receiving = web.Application()
    receiving.router.add_post("/events", receiver.accept)
    runner = web.AppRunner(receiving, access_log=None)
    await runner.setup()
    receiver_port, upstream_port = free_port(), free_port()
    await web.TCPSite(runner, "127.0.0.1", receiver_port).start()
    upstream = subprocess.Popen([sys.executable, "-c", UPSTREAM, str(upstream_port)])
    folder = Path(tempfile.mkdtemp(prefix="signals-bench-"))
    storms = args.rounds * 4 * int(args.rate * args.seconds)
    args.receiver_url = f"http://127.0.0.1:{receiver_port}/events"
    print(f"making {storms + args.deliver} sessions...", file=sys.stderr)
    sids = await make_sessions(folder / "state", storms + args.deliver)
    gateway, port, admin_port = start_gateway(folder, upstream_port, receiver_port)
    admin = f"http://127.0.0.1:{admin_port}"
    try:
        await wait_ready(f"{admin}/ready")
        url = f"http://127.0.0.1:{port}/echo"
        await asyncio.to_thread(wrk.run, url, args.connections, 2)  # warm-up
        loads, used = await rounds(args, url, admin, sids[:storms], gateway.pid)
        delivered = await delivery(admin, receiver, sids[-args.deliver :])
    finally:
        gateway.terminate()
        upstream.terminate()
        gateway.wait(timeout=20)
        await runner.cleanup()
    print("\n".join(report(loads, args) + cpu_report(used, args)))
    print(delivered)
    print(f"load average: {load_before:.2f} before, {os.getloadavg()[0]:.2f} after ({os.cpu_count()} CPUs)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="A B B A rounds")
    parser.add_argument("--seconds", type=int, default=3, help="seconds of each wrk run")
    parser.add_argument("--rate", type=float, default=200.0, help="logouts per second during a storm")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--deliver", type=int, default=1000, help="SETs queued for the delivery rate")
    asyncio.run(main(parser.parse_args()))
