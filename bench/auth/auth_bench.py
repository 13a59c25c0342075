"""Authentication benchmark: the gateway (2 workers) against Apache 2.4 + mod_auth_openidc in the
same run, a 1 KiB file behind each, at 32 and 128 connections:

- plain (reference): the same proxying without authentication;
- bearer: RFC 9068 JWT access tokens (gateway BearerTokenFilter; Apache `AuthType oauth20` with
  `OIDCOAuthVerifyJwksUri`), both checking signature, audience and scope;
- cookie: session cookies from real logins through each server (gateway OidcLoginFilter; Apache
  `AuthType openid-connect`).

Authenticated modes run in two forms: *replay* (one token, one session for the whole run) and
*distinct* (`--tokens` different tokens and `--sessions` different sessions, one drawn at random per
request, so that caches miss as they do with real traffic). Each cell is measured `--rounds` times,
the servers taking turns A B B A; the report gives req/s, p99 and CPU per request (from /proc, the
servers' own processes) as gateway / Apache ratios, the median of the rounds and their spread.

Usage: bench/auth/run.sh [--duration S] [--rounds N] [--connections 32,128] [--modes plain,bearer,cookie]
                         [--forms replay,distinct]"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path[:0] = [str(HERE.parent), str(REPO)]

import logins  # noqa: E402
import servers  # noqa: E402
import wrk  # noqa: E402 - the shared benchmark helpers live one folder up
from auth_report import LABELS, Row, render  # noqa: E402
from procs import Service, Unavailable, fetch, free_port  # noqa: E402

MODES = ("plain", "bearer", "cookie")
FORMS = ("replay", "distinct")
SERVERS = ("apache", "gateway")
COOKIES = {"apache": ("mod_auth_openidc_session",), "gateway": ("gw_session",)}
RANDOM_HEADER = HERE / "random_header.lua"
# What each request carries: one header line (replay), or a header name and a file of values (distinct).
Credential = tuple[str, Path | None]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds of each measured wrk run (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of the warm-up before each cell (default 2)")
    parser.add_argument("--connections", default="32,128", help="wrk connections (default 32,128)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="gateway workers (default 2)")
    parser.add_argument("--modes", default=",".join(MODES), help="plain,bearer,cookie (default all three)")
    parser.add_argument("--forms", default=",".join(FORMS), help="replay,distinct (default both)")
    parser.add_argument("--rounds", type=int, default=3, help="runs per cell, servers taking turns (default 3)")
    parser.add_argument("--tokens", type=int, default=10_000, help="distinct bearer tokens (default 10,000)")
    parser.add_argument("--sessions", type=int, default=1_000, help="distinct sessions per server (default 1,000)")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (configs and server logs)")
    args = parser.parse_args(argv)
    args.connections = [int(c) for c in args.connections.split(",") if c.strip()]
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    args.forms = [f.strip() for f in args.forms.split(",") if f.strip()]
    if set(args.modes) - set(MODES) or set(args.forms) - set(FORMS):
        parser.error(f"modes are {', '.join(MODES)}; forms are {', '.join(FORMS)}")
    if min(args.rounds, args.tokens, args.sessions, args.duration) < 1:
        parser.error("every number must be at least 1")
    return args


def run_wrk(url: str, credential: Credential, conns: int, seconds: int, threads: int) -> wrk.Load:
    """wrk with the credential: one fixed header, or one drawn from a file per request (Lua)."""
    argv = [wrk.wrk_binary(), f"-t{threads}", f"-c{conns}", f"-d{seconds}s", "--timeout", "5s", "--latency"]
    header, values = credential
    env = None
    if values is None:
        argv += ["-H", header]
    else:
        argv += ["-s", str(RANDOM_HEADER)]
        env = {**os.environ, "BENCH_HEADER": header, "BENCH_VALUES": str(values)}
    done = subprocess.run([*argv, url], capture_output=True, text=True, timeout=seconds + 30, check=False, env=env)
    if done.returncode != 0:
        raise wrk.WrkFailed(f"wrk exited {done.returncode}: {done.stderr.strip()}")
    return wrk.parse(done.stdout)


def check(url: str, credential: Credential, protected: bool) -> None:
    """A credential (the first of a file) must get the file, and no credential must get no file."""
    header, values = credential
    if values is None:
        name, _, value = header.partition(": ")
    else:
        name, value = header, values.read_text().split("\n", 1)[0]
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
    """Starts nginx, the provider, Apache and the gateway; logs in; measures each mode and form."""

    def __init__(self, args: argparse.Namespace, scratch: Path) -> None:
        self.args = args
        self.scratch = scratch
        self.rows: list[Row] = []
        self.ports = {"upstream": free_port(), "apache": free_port(), "gateway": free_port(), "jwks": free_port()}
        self.servers: dict[str, Service] = {}

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
                for form in ("replay",) if mode == "plain" else self.args.forms:
                    self._measure(mode, form, credentials)
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
        self.servers = {"apache": apache, "gateway": gateway}
        for name, service in self.servers.items():
            wait_listening(service, f"http://127.0.0.1:{self.ports[name]}/")

    def _credentials(self, idp: logins.IdP) -> dict[tuple[str, str, str], Credential]:
        """What each server gets in each mode and form."""
        token = logins.bearer_token(idp)
        out: dict[tuple[str, str, str], Credential] = {}
        distinct = "distinct" in self.args.forms
        tokens = self._values("tokens", logins.distinct_tokens(idp, token, self.args.tokens)) if distinct else None
        for server in SERVERS:
            out[(server, "plain", "replay")] = ("X-Bench: plain", None)
            out[(server, "bearer", "replay")] = (f"Authorization: Bearer {token}", None)
            if tokens is not None:
                out[(server, "bearer", "distinct")] = ("Authorization", tokens)
            if "cookie" not in self.args.modes:
                continue
            url, names = self.url(server, "cookie"), COOKIES[server]
            out[(server, "cookie", "replay")] = (f"Cookie: {logins.session_cookie(url, names)}", None)
            if distinct:
                started = time.monotonic()
                cookies = logins.session_cookies(url, names, self.args.sessions)
                print(f"{len(cookies)} logins through {LABELS[server]} in {time.monotonic() - started:.0f} s",
                      file=sys.stderr, flush=True)  # fmt: skip
                out[(server, "cookie", "distinct")] = ("Cookie", self._values(f"cookies-{server}", cookies))
        return out

    def _values(self, name: str, values: list[str]) -> Path:
        path = self.scratch / f"{name}.txt"
        prefix = "Bearer " if name == "tokens" else ""
        path.write_text("".join(f"{prefix}{value}\n" for value in values))
        return path

    def _measure(self, mode: str, form: str, credentials: dict[tuple[str, str, str], Credential]) -> None:
        """Each cell `rounds` times, the servers taking turns A B B A; every round kept."""
        for conns in self.args.connections:
            rows = {server: Row(mode, form, server, conns) for server in SERVERS}
            for turn in range(self.args.rounds):
                for server in SERVERS if turn % 2 == 0 else SERVERS[::-1]:
                    self._one(rows[server], credentials[(server, mode, form)], warm=turn == 0)
            self.rows += [rows[server] for server in SERVERS]

    def _one(self, row: Row, credential: Credential, warm: bool) -> None:
        if row.note:
            return  # failed in an earlier round
        url, args = self.url(row.server, row.mode), self.args
        try:
            if warm:
                check(url, credential, row.mode != "plain")
                run_wrk(url, credential, row.conns, args.warmup, args.threads)
            before = self.servers[row.server].cpu()
            load = run_wrk(url, credential, row.conns, args.duration, args.threads)
            cpu_us = (self.servers[row.server].cpu() - before) / max(load.requests, 1) * 1e6
        except (Unavailable, wrk.WrkFailed) as exc:
            row.note = " ".join(str(exc).split())[:300]
            print(f"{row.mode} {row.form} {LABELS[row.server]} {row.conns}: unavailable: {row.note}", file=sys.stderr)
            return
        row.samples.append((load, cpu_us))
        print(
            f"{row.mode} {row.form} {LABELS[row.server]} {row.conns} conns: {load.rps:,.0f} req/s, "
            f"p50 {load.p50:.2f} ms, p99 {load.p99:.2f} ms, {cpu_us:.0f} µs CPU/req, errors {load.errors}",
            file=sys.stderr,
            flush=True,
        )


def _loadavg() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


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
