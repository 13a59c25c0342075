"""Authorization benchmark: what PolicyEnforcementFilter costs on the AuthZEN interop route.

One gateway process serves three routes to a 1 KiB file (nginx), each behind BearerTokenFilter
with the same RS256 token of an interop subject (Rick, an admin):

- `authenticated`: BearerTokenFilter alone (the reference);
- `pep-cached`: then PolicyEnforcementFilter with the built-in PDP in-process and the decision
  cache on (warm after the warm-up: every measured request is a cache hit);
- `pep-http`: then PolicyEnforcementFilter with the cache off, asking the built-in PDP served over
  HTTP as AuthZEN by a second gateway process (one PDP call per request).

Reports requests/s, p50/p99, the ratios to `authenticated` (goal for pep-cached: ≥ 0.90), the PDP
calls per second of `pep-http` and its p99 added latency. The token's issuer is a discovery document
and a JWKS served by the same nginx, so no OpenID provider is needed.

Usage: bench/authz/run.sh [--duration 10] [--warmup 2] [--connections 32] [--workers 1] [--repeat 1]"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from joserfc import jwt
from joserfc.jwk import RSAKey

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path[:0] = [str(HERE.parent), str(REPO)]

import nginx  # noqa: E402 - the shared benchmark helpers live one folder up
import wrk  # noqa: E402
from procs import Service, Unavailable, free_port  # noqa: E402

RICK = "CiRmZDA2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs"
AUDIENCE = "urn:bench:api"
PDP_TOKEN = "bench-pdp-token"
CASES = ("authenticated", "pep-cached", "pep-http")
TEMPLATES = ["/users/{userId}", "/todos", "/todos/{todoId}"]

_WWW_SERVER = """\
    server {{
        listen 127.0.0.1:{port};
        root {dir}/www;
        default_type application/json;
    }}"""


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds of each measured run (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up before each (default 2)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--workers", type=int, default=1, help="gateway workers (default 1)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per case, best kept (default 1)")
    return parser.parse_args()


def upstream_files(www: Path, issuer: str, key: RSAKey) -> None:
    """The 1 KiB answer at /todos, the issuer's discovery document and JWKS."""
    (www / ".well-known").mkdir(parents=True)
    (www / "todos").write_bytes(b"x" * 1024)
    discovery = {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "jwks_uri": f"{issuer}/jwks",
    }
    (www / ".well-known" / "openid-configuration").write_text(json.dumps(discovery))
    (www / "jwks").write_text(json.dumps({"keys": [key.as_dict(private=False)]}))


def token(issuer: str, key: RSAKey) -> str:
    """An RFC 9068 access token of Rick, valid for a day."""
    now = int(time.time())
    claims = {
        "iss": issuer,
        "aud": AUDIENCE,
        "sub": RICK,
        "exp": now + 86400,
        "iat": now,
        "scope": "api",
        "client_id": "bench",
        "jti": "bench-1",
    }
    return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "at+jwt"}, claims, key, algorithms=["RS256"])


def route(case: str, upstream: str, pdp_url: str) -> dict[str, object]:
    """One route per case, chosen by the X-Case header, so that every case sends the interop paths."""
    filters: list[object] = [{"type": "BearerTokenFilter", "config": {"provider": "issuer", "audience": AUDIENCE}}]
    templates = TEMPLATES
    if case == "pep-cached":
        filters.append({"type": "PolicyEnforcementFilter", "config": {"pdp": "pdp", "resources": templates}})
    if case == "pep-http":
        pdp = {"type": "AuthZenPdp", "config": {"url": pdp_url, "token": PDP_TOKEN}}
        filters.append(
            {
                "type": "PolicyEnforcementFilter",
                "config": {"pdp": pdp, "resources": templates, "cache": {"enabled": False}},
            }
        )
    chain = {"type": "Chain", "config": {"filters": filters, "handler": "ClientHandler"}}
    return {
        "name": case,
        "baseURI": upstream,
        "condition": f"${{request.headers['X-Case'][0] == '{case}'}}",
        "handler": chain,
    }


def gateway(
    folder: Path, heap: list[object], routes: dict[str, object], workers: int, python: str
) -> tuple[Service, int]:
    """A gateway process serving these routes with this global heap."""
    folder.mkdir(parents=True)
    (folder / "routes").mkdir()
    for name, body in routes.items():
        (folder / "routes" / f"{name}.json").write_text(json.dumps(body, indent=2))
    config = {"state": str(folder / "state"), "logFormat": "json", "heap": heap}
    (folder / "gateway.yaml").write_text(json.dumps(config))
    port = free_port()
    argv = [
        python,
        "-m",
        "gateway",
        "serve",
        "--config",
        str(folder / "gateway.yaml"),
        "--routes",
        str(folder / "routes"),
        "--listen",
        f"127.0.0.1:{port}",
        "--admin",
        f"127.0.0.1:{free_port()}",
        "--workers",
        str(workers),
    ]
    return Service(f"gateway {folder.name}", argv, REPO, folder / "gateway.log"), port


def wait_authorized(service: Service, url: str, bearer: str, case: str, timeout: float = 30.0) -> None:
    """Wait until the URL answers 200 to the token."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not service.alive():
            raise Unavailable(f"{service.name} exited: {service.tail(3)}")
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {bearer}", "X-Case": case})
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise Unavailable(f"{url} never answered 200: {service.tail(3)}")


def load(url: str, bearer: str, case: str, connections: int, seconds: int) -> wrk.Load:
    """wrk with the bearer token on every request."""
    argv = [
        wrk.wrk_binary(),
        "-t2",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "--latency",
        "-H",
        f"Authorization: Bearer {bearer}",
        "-H",
        f"X-Case: {case}",
        url,
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30, check=False)
    return wrk.parse(done.stdout)


def measure(args: argparse.Namespace, base: str, bearer: str) -> dict[str, wrk.Load]:
    """Each case, warm-up first, the best of `--repeat` runs taken in turns."""
    best: dict[str, wrk.Load] = {}
    for _ in range(args.repeat):
        for case in CASES:
            url = f"{base}/todos"
            load(url, bearer, case, args.connections, args.warmup)
            result = load(url, bearer, case, args.connections, args.duration)
            print(
                f"  {case}: {result.rps:,.0f} req/s, p99 {result.p99:.2f} ms, errors {result.errors}", file=sys.stderr
            )
            if case not in best or result.rps > best[case].rps:
                best[case] = result
    return best


def report(results: dict[str, wrk.Load], args: argparse.Namespace) -> str:
    """The Markdown report."""
    ref = results["authenticated"]
    lines = [
        f"# Authorization benchmark, {time.strftime('%Y-%m-%d %H:%M')}",
        "",
        f"wrk -t2 -c{args.connections} -d{args.duration}s, gateway workers {args.workers}, best of {args.repeat}",
        "",
        "| case | req/s | p50 ms | p99 ms | errors | ratio to authenticated |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for case in CASES:
        r = results[case]
        lines.append(f"| {case} | {r.rps:,.0f} | {r.p50:.2f} | {r.p99:.2f} | {r.errors} | {r.rps / ref.rps:.2f} |")
    cached, http = results["pep-cached"], results["pep-http"]
    verdict = "met" if cached.rps >= 0.9 * ref.rps else "NOT met"
    lines += [
        "",
        f"- warm decision cache: {cached.rps / ref.rps:.2f}x the authenticated route (goal ≥ 0.90: {verdict})",
        f"- built-in PDP over HTTP, no cache: {http.rps / ref.rps:.2f}x the authenticated route; "
        f"{http.rps:,.0f} PDP calls/s; p99 added {http.p99 - ref.p99:.2f} ms, p50 added {http.p50 - ref.p50:.2f} ms",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    """Start nginx, the PDP and the gateway; measure; print and save the report."""
    args = parse_args()
    python = str(REPO / ".venv" / "bin" / "python") if (REPO / ".venv" / "bin" / "python").exists() else sys.executable
    key = RSAKey.generate_key(2048, {"kid": "bench-1", "use": "sig"})
    services: list[Service] = []
    with tempfile.TemporaryDirectory(prefix="authz-bench-") as scratch:
        folder = Path(scratch)
        try:
            up_port = free_port()
            issuer = f"http://127.0.0.1:{up_port}"
            upstream_files(folder / "nginx" / "www", issuer, key)
            services.append(
                nginx._start(
                    "nginx upstream", folder / "nginx", 1, _WWW_SERVER.format(port=up_port, dir=folder / "nginx")
                )
            )
            pdp_port = free_port()
            pdp = {
                "name": "pdp",
                "type": "PolicyDecisionPoint",
                "config": {
                    "file": str(HERE / "policies.yaml"),
                    "listen": f"127.0.0.1:{pdp_port}",
                    "tokens": [PDP_TOKEN],
                },
            }
            pdp_gateway, _ = gateway(folder / "pdp", [pdp], {}, 1, python)
            services.append(pdp_gateway)
            provider = {
                "name": "issuer",
                "type": "OidcProvider",
                "config": {"issuer": issuer, "clientId": "bench", "clientSecret": "bench"},
            }
            in_process = {"name": "pdp", "type": "PolicyDecisionPoint", "config": {"file": str(HERE / "policies.yaml")}}
            routes = {case: route(case, issuer, f"http://127.0.0.1:{pdp_port}") for case in CASES}
            service, port = gateway(folder / "gateway", [provider, in_process], routes, args.workers, python)
            services.append(service)
            bearer = token(issuer, key)
            for case in CASES:
                wait_authorized(service, f"http://127.0.0.1:{port}/todos", bearer, case)
            results = measure(args, f"http://127.0.0.1:{port}", bearer)
        finally:
            for running in reversed(services):
                running.stop()
    text = report(results, args)
    print(text)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / time.strftime("%Y%m%d-%H%M%S.md")).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
