"""Security signals benchmark: does emitting SETs on logout slow other users' proxied traffic, and
how many SETs per second does one worker deliver to a local push receiver?

    .venv/bin/python bench/signals.py [--sessions 2000] [--seconds 10] [--connections 16] [--rate R]

One gateway process (`python -m gateway serve`, one worker) with a public route to a local upstream
and a push stream to a local receiver (both in this process, aiohttp). Sessions are made beforehand
in the gateway's embedded store. Then:

1. proxied traffic alone: `--connections` clients loop on GET /echo for `--seconds`;
2. the same traffic while every session is revoked through the admin API (each end writes a SET to
   the outbox and the worker pushes it), so the p50/p99 of both runs can be compared;
3. delivery rate: the receiver answers 503 during the burst, so the SETs wait in the outbox; then it
   answers 202 and the time until it has them all gives the SETs/s one worker delivers.

Both runs are made twice, once with signals off and once on; the traffic during the burst with and
without signals shows what emitting SETs adds (ending a session costs store writes either way).

On a shared 2-core machine the load generator, the receiver and the gateway compete for the cores;
read the figures as a comparison between the two runs of one invocation, not as absolutes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
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

from gateway.sessions import SessionManager, Tokens  # noqa: E402
from gateway.sessions.events import EventBus  # noqa: E402
from gateway.sessions.keys import session_key  # noqa: E402
from gateway.settings import Settings  # noqa: E402
from gateway.stores import SqliteStore  # noqa: E402

SECRET = "benchmark session secret, 32+ characters long"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def serve(app: web.Application) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, port


async def make_sessions(state: Path, count: int) -> list[str]:
    settings = Settings.model_validate({"state": str(state), "sessions": {"secret": SECRET}})
    store = SqliteStore(state / "gateway.db")
    manager = SessionManager(store, settings, EventBus(), session_key(SECRET, state))
    sids = []
    for n in range(count):
        tokens = Tokens("a", "r", "i", time.time() + 3600)
        claims = {"email": f"user{n}@example.com", "sid": f"idp-{n}"}
        session = await manager.create(
            subject=f"user{n}", issuer="https://idp.example.com", provider="p", method="browser",
            claims=claims, tokens=tokens,
        )  # fmt: skip
        sids.append(session.id)
    await store.close()
    return sids


async def traffic(url: str, seconds: float, connections: int) -> list[float]:
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as http:

        async def loop() -> None:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                async with http.get(url) as response:
                    await response.read()
                latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(loop() for _ in range(connections)))
    return latencies


async def revoke_all(admin: str, sids: list[str], rate: float | None, parallel: int = 8) -> None:
    """Revoke every session: as fast as `parallel` clients can, or `rate` per second."""
    queue = list(sids)
    async with aiohttp.ClientSession() as http:

        async def one(sid: str) -> None:
            async with http.post(f"{admin}/admin/api/sessions/revoke", json={"sid": sid}) as response:
                await response.read()

        async def worker() -> None:
            while queue:
                await one(queue.pop())

        if rate is None:
            await asyncio.gather(*(worker() for _ in range(parallel)))
            return
        started, pending = time.monotonic(), []
        for n, sid in enumerate(sids):
            await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
            pending.append(asyncio.create_task(one(sid)))
        await asyncio.gather(*pending)


def summary(name: str, latencies: list[float], seconds: float) -> str:
    cuts = statistics.quantiles(latencies, n=100)
    return f"| {name} | {len(latencies) / seconds:,.0f} | {cuts[49] * 1000:.2f} | {cuts[98] * 1000:.2f} |"


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


async def run(args: argparse.Namespace, upstream_port: int, receiver: Receiver | None, receiver_port: int) -> list[str]:
    """One gateway (signals on when `receiver` is given): traffic alone, then during a logout burst."""
    folder = Path(tempfile.mkdtemp(prefix="signals-bench-"))
    state = folder / "state"
    print(f"making {args.sessions} sessions...", file=sys.stderr)
    sids = await make_sessions(state, args.sessions)
    routes = folder / "routes"
    routes.mkdir()
    route = {"name": "echo", "baseURI": f"http://127.0.0.1:{upstream_port}", "handler": "ClientHandler"}
    (routes / "echo.json").write_text(json.dumps(route))
    config: dict[str, object] = {"state": str(state), "sessions": {"secret": SECRET}, "logFormat": "json"}
    if receiver is not None:
        config["signals"] = {
            "enabled": True, "issuer": "https://gw.example.com", "backoff": "10 ms", "maxBackoff": "100 ms",
            "streams": [{"id": "bench", "endpoint": f"http://127.0.0.1:{receiver_port}/events", "aud": "bench"}],
        }  # fmt: skip
    (folder / "gateway.json").write_text(json.dumps(config))
    port, admin = free_port(), free_port()
    argv = [sys.executable, "-m", "gateway", "serve", "--config", str(folder / "gateway.json"),
            "--routes", str(routes), "--listen", f"127.0.0.1:{port}", "--admin", f"127.0.0.1:{admin}"]  # fmt: skip
    with (folder / "gateway.log").open("wb") as log:
        gateway = subprocess.Popen(argv, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    lines = []
    name = "with signals" if receiver else "without signals"
    try:
        await wait_ready(f"http://127.0.0.1:{admin}/ready")
        url = f"http://127.0.0.1:{port}/echo"
        await traffic(url, 1.0, args.connections)  # warm-up
        alone = await traffic(url, args.seconds, args.connections)
        if receiver is not None:
            receiver.down = True  # the burst's SETs wait in the outbox; their delivery is measured below
        revoking = asyncio.create_task(revoke_all(f"http://127.0.0.1:{admin}", sids, args.rate))
        during = await traffic(url, args.seconds, args.connections)
        await revoking
        lines += [summary(f"{name}: no logouts", alone, args.seconds),
                  summary(f"{name}: during {len(sids)} logouts", during, args.seconds)]  # fmt: skip
        if receiver is not None:
            receiver.down = False
            opened = time.monotonic()
            while len(receiver.got) < len(sids) and time.monotonic() - opened < 300:
                await asyncio.sleep(0.01)
            took = (receiver.got[-1] if receiver.got else time.monotonic()) - opened
            lines.append(f"\n{len(receiver.got)} of {len(sids)} queued SETs delivered in {took:.2f} s: "
                         f"{len(receiver.got) / took:,.0f} SETs/s (one worker, one receiver)")  # fmt: skip
    finally:
        gateway.terminate()
        gateway.wait(timeout=20)
    return lines


async def main(args: argparse.Namespace) -> None:
    receiver = Receiver()
    receiving = web.Application()
    receiving.router.add_post("/events", receiver.accept)
    upstream = web.Application()
    upstream.router.add_get("/{tail:.*}", lambda request: web.Response(text="x" * 1024))
    receiver_runner, receiver_port = await serve(receiving)
    upstream_runner, upstream_port = await serve(upstream)
    try:
        without = await run(args, upstream_port, None, receiver_port)
        within = await run(args, upstream_port, receiver, receiver_port)
    finally:
        await receiver_runner.cleanup()
        await upstream_runner.cleanup()
    print("| other users' traffic | requests/s | p50 ms | p99 ms |\n|---|---|---|---|")
    print("\n".join(without[:2] + within[:2]))
    print("\n".join(within[2:]))


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


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rate", type=float, default=None, help="logouts per second (default: as fast as possible)")
    asyncio.run(main(parser.parse_args()))
