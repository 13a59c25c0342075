"""Authentication benchmark: the gateway (2 workers) against Apache 2.4 + mod_auth_openidc in the
same run, a 1 KiB file behind each, at 32 and 128 connections:

- plain (reference): the same proxying without authentication;
- bearer: the same RFC 9068 JWT access token on every request (gateway BearerTokenFilter; Apache
  `AuthType oauth20` with `OIDCOAuthVerifyJwksUri`);
- cookie: a session cookie from one real login through each server (gateway OidcLoginFilter;
  Apache `AuthType openid-connect`).

Each cell is measured `--repeat` times, the two servers taking turns, and the best run of each is
kept, so that a burst of other work on the machine hurts neither side alone. Prints requests/s,
p50/p99 and the gateway/Apache ratios; saves the report in bench/auth/results/.

Usage: bench/auth/run.sh [--duration S] [--warmup S] [--connections 32,128] [--modes plain,bearer,cookie]"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path[:0] = [str(HERE.parent), str(REPO)]

import logins  # noqa: E402
import servers  # noqa: E402
import wrk  # noqa: E402 - the shared benchmark helpers live one folder up
from procs import Service, Unavailable, fetch, free_port  # noqa: E402

MODES = ("plain", "bearer", "cookie")
SERVERS = ("apache", "gateway")
LABELS = {"apache": "Apache 2.4 + mod_auth_openidc", "gateway": "gateway"}
COOKIES = {"apache": ("mod_auth_openidc_session",), "gateway": ("gw_session",)}


@dataclass
class Row:
    """One server, one mode, one connection count."""

    mode: str
    server: str
    conns: int
    load: wrk.Load | None
    note: str = ""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds of each measured wrk run (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of the warm-up before each (default 2)")
    parser.add_argument("--connections", default="32,128", help="wrk connections (default 32,128)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="gateway workers (default 2)")
    parser.add_argument("--modes", default=",".join(MODES), help="plain,bearer,cookie (default all three)")
    parser.add_argument("--repeat", type=int, default=2, help="runs per cell, the best kept (default 2)")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (configs and server logs)")
    args = parser.parse_args(argv)
    args.connections = [int(c) for c in args.connections.split(",") if c.strip()]
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if set(args.modes) - set(MODES):
        parser.error(f"modes are {', '.join(MODES)}")
    return args


def run_wrk(url: str, header: str, conns: int, seconds: int, threads: int) -> wrk.Load:
    """wrk with one request header (the credential)."""
    argv = [wrk.wrk_binary(), f"-t{threads}", f"-c{conns}", f"-d{seconds}s", "--timeout", "5s", "--latency"]
    argv += ["-H", header, url]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30, check=False)
    if done.returncode != 0:
        raise wrk.WrkFailed(f"wrk exited {done.returncode}: {done.stderr.strip()}")
    return wrk.parse(done.stdout)


def check(url: str, header: str, protected: bool) -> None:
    """The credential must get the file, and no credential must get no file."""
    name, _, value = header.partition(": ")
    status, body = fetch_with(url, {name: value})
    if status != 200 or body != servers.BODY:
        raise Unavailable(f"GET {url} with the credential gave {status} {body[:200]!r}")
    if not protected:
        return
    status, body = fetch(url)
    if status == 200 and body == servers.BODY:
        raise Unavailable(f"GET {url} without a credential got the file: nothing is protected")


def fetch_with(url: str, headers: dict[str, str]) -> tuple[int, bytes]:
    """GET with headers, redirects not followed."""
    import urllib.error
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_listening(service: Service, url: str, timeout: float = 30.0) -> None:
    """Wait until the server answers anything at `url`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not service.alive():
            raise SystemExit(f"{service.name} exited: {service.tail()}")
        if fetch(url)[0] != 0:
            return
        time.sleep(0.1)
    raise SystemExit(f"{service.name} does not answer at {url}: {service.tail()}")


class AuthBench:
    """Starts nginx, the provider, Apache and the gateway; logs in; measures each mode."""

    def __init__(self, args: argparse.Namespace, scratch: Path) -> None:
        self.args = args
        self.scratch = scratch
        self.rows: list[Row] = []
        self.ports = {"upstream": free_port(), "apache": free_port(), "gateway": free_port(), "jwks": free_port()}

    def url(self, server: str, mode: str) -> str:
        """The protected file's URL at a server."""
        return f"http://127.0.0.1:{self.ports[server]}/{mode}/{servers.FILE}"

    def run(self) -> None:
        """Start everything, measure, stop everything."""
        started: list[Service] = []
        idp = logins.provider(self.ports["apache"], self.ports["gateway"]).start()
        try:
            upstream = servers.start_upstream(self.scratch / "nginx", self.ports["upstream"], 2)
            started.append(upstream)
            wait_listening(upstream, f"http://127.0.0.1:{self.ports['upstream']}/{servers.FILE}")
            self._start_servers(idp.issuer, started)
            credentials = self._credentials(idp)
            for mode in self.args.modes:
                self._measure(mode, credentials)
        finally:
            for service in reversed(started):
                service.stop()
            idp.close()

    def _start_servers(self, issuer: str, started: list[Service]) -> None:
        """Start the JWKS TLS proxy, Apache and the gateway, each added to `started` at once."""
        started.append(servers.start_tls_proxy(self.scratch / "jwks-tls", self.ports["jwks"], issuer))
        jwks = f"https://127.0.0.1:{self.ports['jwks']}/jwks"
        upstream = self.ports["upstream"]
        apache = servers.start_apache(self.scratch / "apache", self.ports["apache"], upstream, issuer, jwks)
        started.append(apache)
        gateway = servers.start_gateway(
            self.scratch / "gateway", self.ports["gateway"], upstream, issuer, self.args.workers
        )
        started.append(gateway)
        for name, service in (("apache", apache), ("gateway", gateway)):
            wait_listening(service, f"http://127.0.0.1:{self.ports[name]}/")

    def _credentials(self, idp: logins.IdP) -> dict[tuple[str, str], str]:
        """The request header each server gets in each mode."""
        token = logins.bearer_token(idp)
        out: dict[tuple[str, str], str] = {}
        for server in SERVERS:
            out[(server, "plain")] = "X-Bench: plain"
            out[(server, "bearer")] = f"Authorization: Bearer {token}"
            if "cookie" in self.args.modes:
                cookie = logins.session_cookie(self.url(server, "cookie"), COOKIES[server])
                out[(server, "cookie")] = f"Cookie: {cookie}"
        return out

    def _measure(self, mode: str, credentials: dict[tuple[str, str], str]) -> None:
        """Each cell `repeat` times, the two servers taking turns; the best run of each is kept."""
        for conns in self.args.connections:
            best: dict[str, Row] = {}
            for _ in range(self.args.repeat):
                for server in SERVERS:
                    row = self._one(mode, server, conns, credentials[(server, mode)])
                    kept = best.get(server)
                    if kept is None or kept.load is None or (row.load is not None and row.load.rps > kept.load.rps):
                        best[server] = row
            self.rows += [best[server] for server in SERVERS]

    def _one(self, mode: str, server: str, conns: int, header: str) -> Row:
        url = self.url(server, mode)
        try:
            check(url, header, mode != "plain")
            run_wrk(url, header, conns, self.args.warmup, self.args.threads)
            row = Row(mode, server, conns, run_wrk(url, header, conns, self.args.duration, self.args.threads))
        except (Unavailable, wrk.WrkFailed) as exc:
            row = Row(mode, server, conns, None, " ".join(str(exc).split())[:300])
        figures = "unavailable: " + row.note if row.load is None else _figures(row.load)
        print(f"{mode} {LABELS[server]} {conns} conns: {figures}", file=sys.stderr, flush=True)
        return row


def _figures(load: wrk.Load) -> str:
    return f"{load.rps:,.0f} req/s, p50 {load.p50:.2f} ms, p99 {load.p99:.2f} ms, errors {load.errors}"


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


def render(args: argparse.Namespace, rows: list[Row], argv: list[str], loads: tuple[str, str]) -> str:
    """The markdown report: every run, then the ratios per mode and connection count."""
    lines = [
        f"## Authentication benchmark {time.strftime('%Y-%m-%d %H:%M:%S')}",
        "",
        f"- Command: `bench/auth/run.sh {' '.join(argv)}`",
        f"- Machine: {os.cpu_count()} cores; wrk, the servers and the provider share them. "
        f"Load average before the run {loads[0]} (other work on the machine skews results), "
        f"after it {loads[1]} (this run's threads included).",
        f"- Software: {_software()}.",
        f"- Load: `wrk -t{args.threads} -c<conns> -d{args.duration}s --latency` after a {args.warmup} s warm-up, "
        f"1 KiB file from nginx behind each server; gateway {args.workers} workers, Apache event MPM 2 processes; "
        f"best of {args.repeat} runs per cell, the servers taking turns.",
        "",
        "| mode | server | conns | req/s | p50 ms | p99 ms | errors |",
        "|---|---|--:|--:|--:|--:|--:|",
    ]
    lines += [_row(r) for r in rows]
    lines += [
        "",
        "| mode | conns | gateway / Apache req/s | p99 gateway vs Apache | goal (req/s ratio 1.0+, p99 no worse) |",
        "|---|--:|--:|---|---|",
    ]
    for mode in args.modes:
        for conns in args.connections:
            lines.append(_ratio_row(rows, mode, conns))
    return "\n".join(lines)


def _row(r: Row) -> str:
    if r.load is None:
        return f"| {r.mode} | {LABELS[r.server]} | {r.conns} | — | — | — | unavailable: {r.note} |"
    cells = f"{r.load.rps:,.0f} | {r.load.p50:.2f} | {r.load.p99:.2f} | {r.load.errors}"
    return f"| {r.mode} | {LABELS[r.server]} | {r.conns} | {cells} |"


def _ratio_row(rows: list[Row], mode: str, conns: int) -> str:
    found = {r.server: r.load for r in rows if (r.mode, r.conns) == (mode, conns)}
    gateway, apache = found.get("gateway"), found.get("apache")
    if gateway is None or apache is None or not apache.rps:
        return f"| {mode} | {conns} | — | — | — |"
    ratio = gateway.rps / apache.rps
    p99 = f"{gateway.p99:.2f} vs {apache.p99:.2f} ms"
    if mode == "plain":
        # The reference row: the proxying alone, which the goal does not cover.
        return f"| plain (reference) | {conns} | {ratio:.2f} | {p99} | — |"
    met = "yes" if ratio >= 1.0 and gateway.p99 <= apache.p99 else "no"
    return f"| {mode} | {conns} | {ratio:.2f} | {p99} | {met} |"


def _loadavg() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the report and save it under bench/auth/results/."""
    args = parse_args(argv)
    before = _loadavg()
    with tempfile.TemporaryDirectory(prefix="gateway-auth-bench-") as scratch:
        folder = Path(scratch) if args.keep is None else args.keep.resolve()
        folder.mkdir(parents=True, exist_ok=True)
        bench = AuthBench(args, folder)
        try:
            bench.run()
        except KeyboardInterrupt:
            print("interrupted: every process started was stopped; partial results follow", file=sys.stderr)
    text = render(args, bench.rows, sys.argv[1:] if argv is None else argv, (before, _loadavg()))
    print(text)
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    path = results / f"{time.strftime('%Y%m%d-%H%M%S')}.md"
    path.write_text(text + "\n")
    print(f"saved to {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
