"""Soak: the gateway (2 workers) for 20 minutes at half of the capacity measured at the start of the
same run, with login churn against the real OpenID provider; each minute it samples every worker's
RSS and open file descriptors, the session store's size and the errors, and says whether they
stayed flat (≤ 10% drift after the warm-up).

Load: wrk, paced to half capacity, alternates a public route and a bearer route (an RFC 9068 JWT
from the provider); meanwhile looping browsers log in through the gateway's OpenID Connect login,
use their session across access-token refreshes and log out, here and at the provider.

Usage: bench/soak.sh [--minutes 20] [--warmup 5] [--browsers 4] [--connections 32]"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE / "auth")]

import logins  # noqa: E402 - bench/auth's helpers: the provider's bearer token
import servers  # noqa: E402 - bench/auth's starters: nginx upstream and the gateway
import wrk  # noqa: E402
from auth_bench import wait_listening  # noqa: E402
from environment import describe, load_average  # noqa: E402
from procs import Service, free_port  # noqa: E402
from soak_churn import LOGOUT, Churn, ChurnPlan  # noqa: E402
from soak_report import Minute, render  # noqa: E402
from soak_sample import store_size, workers  # noqa: E402

from idp.driver import IdP, web_client_metadata  # noqa: E402
from idp.flows import REDIRECT_URI  # noqa: E402
from idp.tokens import api_jwt  # noqa: E402

RESULTS = HERE / "results"
CALLBACK = "/oauth2/callback"
# Lua for wrk: alternate the public route and the bearer route; DELAY ms between a connection's requests.
_SCRIPT = """\
local requests
local n = 0
init = function(args)
  -- Built here, not at load: wrk adds the Host header to wrk.headers only now.
  requests = {{
    wrk.format("GET", "/plain/1k"),
    wrk.format("GET", "/bearer/1k", {{["Authorization"] = "Bearer {token}"}}),
  }}
end
request = function()
  n = n + 1
  return requests[n % 2 + 1]
end
{delay}
"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=int, default=20, help="length of the soak in minutes (default 20)")
    parser.add_argument("--warmup", type=int, default=5, help="first minutes left out of the drift (default 5)")
    parser.add_argument("--capacity-seconds", type=int, default=10, help="the capacity run's length (default 10)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--workers", type=int, default=2, help="gateway workers (default 2)")
    parser.add_argument("--browsers", type=int, default=4, help="looping browsers logging in and out (default 4)")
    parser.add_argument("--token-ttl", type=int, default=75, help="provider's access-token lifetime, s (default 75)")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (configs and logs)")
    args = parser.parse_args(argv)
    args.threads, args.duration, args.rounds = 2, 60, 1  # what environment.describe reads
    if args.minutes <= args.warmup or min(args.warmup, args.browsers, args.connections) < 0:
        parser.error("--minutes must exceed --warmup, and counts cannot be negative")
    return args


class Soak:
    """Starts the provider, nginx and the gateway; measures capacity; runs the soak minute by minute."""

    def __init__(self, args: argparse.Namespace, scratch: Path) -> None:
        self.args = args
        self.scratch = scratch
        self.port, self.admin, self.upstream_port = free_port(), free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.minutes: list[Minute] = []
        self.capacity: wrk.Load | None = None
        self.paced_rate = 0.0
        self.churn = Churn(self.url, servers.BODY, ChurnPlan(browsers=args.browsers))
        self.gateway: Service | None = None

    def provider(self) -> IdP:
        """The provider, knowing the gateway's client; short access tokens, so that sessions refresh."""
        client = web_client_metadata([self.url + CALLBACK, REDIRECT_URI], post_logout_redirect_uris=[self.url + LOGOUT])
        return IdP(clients=[client], ttl={"AccessToken": self.args.token_ttl})

    def start(self, idp: IdP, started: list[Service]) -> None:
        """nginx and the gateway (2 workers), each added to `started` at once."""
        upstream = servers.start_upstream(self.scratch / "nginx", self.upstream_port, 1, echo_authorization=True)
        started.append(upstream)
        # Short session lifetimes let the store reach its steady size within the soak.
        settings = {"sessions": {"maxLifetime": "2 minutes", "idleTimeout": "2 minutes", "sweepInterval": "10 s"}}
        self.gateway = servers.start_gateway(
            self.scratch / "gateway", self.port, self.upstream_port, idp.issuer, self.args.workers,
            admin=self.admin, settings=settings, cookie={"passAccessToken": True},
        )  # fmt: skip
        started.append(self.gateway)
        for service, url in ((upstream, f"http://127.0.0.1:{self.upstream_port}/1k"), (self.gateway, self.url + "/")):
            wait_listening(service, url)

    def script(self, token: str, delay_ms: float | None) -> list[str]:
        """wrk's `-s` option for the mixed load, paced when `delay_ms` is given."""
        delay = "" if delay_ms is None else f"delay = function() return {delay_ms:.1f} end"
        path = self.scratch / ("paced.lua" if delay_ms is not None else "open.lua")
        path.write_text(_SCRIPT.format(token=token, delay=delay))
        return ["-s", str(path)]

    def measure_capacity(self, token: str) -> float:
        """Open-loop requests/s of the mix; returns the per-connection delay for half of it."""
        conns, seconds = self.args.connections, self.args.capacity_seconds
        wrk.run(self.url, conns, 2, extra=self.script(token, None))  # warm-up
        self.capacity = wrk.run(self.url, conns, seconds, extra=self.script(token, None))
        self.paced_rate = self.capacity.rps / 2
        delay = conns * 1000 / self.paced_rate
        # One short paced run corrects the delay for the time each request itself takes.
        trial = wrk.run(self.url, conns, max(5, seconds // 2), extra=self.script(token, delay))
        return max(0.0, delay * trial.rps / self.paced_rate)

    async def soak(self, idp: IdP, delay_ms: float) -> None:
        """The paced load one minute at a time, churn throughout, a sample after each minute."""
        assert self.gateway is not None
        stop = asyncio.Event()
        churning = asyncio.create_task(self.churn.run(stop))
        db = self.scratch / "gateway" / "state" / "gateway.db"
        try:
            for minute in range(1, self.args.minutes + 1):
                before = self.churn.snapshot()
                # A new bearer token each minute: the provider's access tokens live `--token-ttl` s.
                paced = self.script(await api_jwt(idp, logins.USER), delay_ms)
                load = await asyncio.to_thread(wrk.run, self.url, self.args.connections, 60, 2, paced)
                counts = {k: v - before.get(k, 0) for k, v in self.churn.snapshot().items()}
                sample = Minute(minute, load, counts, workers(self.gateway.proc.pid), store_size(db), load_average())
                self.minutes.append(sample)
                print(sample.progress(), file=sys.stderr, flush=True)
        finally:
            stop.set()
            await churning


def run(args: argparse.Namespace, scratch: Path) -> str:
    """Everything, start to stop; the report."""
    soak = Soak(args, scratch)
    started: list[Service] = []
    # Described before the run: the checkout may change while it runs.
    head = describe(args, time.strftime("%Y-%m-%d %H:%M"), ["(soak)"], load_average())[3:5]
    idp = soak.provider().start()
    try:
        soak.start(idp, started)
        delay = soak.measure_capacity(logins.bearer_token(idp))
        print(f"capacity {soak.capacity}; pacing {args.connections} connections at {delay:.1f} ms", file=sys.stderr)
        asyncio.run(soak.soak(idp, delay))
    finally:
        for service in reversed(started):
            service.stop()
        idp.close()
    return render(args, soak, head)


def main(argv: list[str] | None = None) -> None:
    """Run the soak, print the report and save it under bench/results/."""
    args = parse_args(argv)
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        report = run(args, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="gateway-soak-") as scratch:
            report = run(args, Path(scratch))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"soak-{time.strftime('%Y%m%d-%H%M%S')}.md").write_text(report)
    print(report)


if __name__ == "__main__":
    main()
