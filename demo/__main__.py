"""`python -m demo`: the echo upstream, the demo OpenID provider and the gateway with the example
routes, until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _wait_port(port: int, proc: subprocess.Popen[bytes], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited with code {proc.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"{what} did not start listening on port {port}")


def main() -> int:
    """Start the demo parts, print where to go, and stop them all on Ctrl-C."""
    parser = argparse.ArgumentParser(description="run the gateway demo")
    parser.add_argument("--port", type=int, default=8080, help="gateway port")
    parser.add_argument("--admin-port", type=int, default=8081)
    args = parser.parse_args()
    python = sys.executable
    procs: list[subprocess.Popen[bytes]] = []
    try:
        echo = subprocess.Popen([python, "-m", "demo.echo", "--port", "8090"], cwd=ROOT)
        procs.append(echo)
        _wait_port(8090, echo, "the demo upstream")
        receiver = subprocess.Popen(
            [python, "-m", "demo.receiver", "--port", "8091", "--jwks", f"http://127.0.0.1:{args.port}/ssf/jwks"],
            cwd=ROOT,
        )
        procs.append(receiver)
        _wait_port(8091, receiver, "the demo signals receiver")
        idp = subprocess.Popen(
            [
                "node",
                "idp/provider.mjs",
                "--port",
                "9000",
                "--issuer",
                "http://127.0.0.1:9000",
                "--config",
                "demo/idp.json",
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        procs.append(idp)
        _wait_port(9000, idp, "the demo OpenID provider")
        gateway = subprocess.Popen(
            [
                python,
                "-m",
                "gateway",
                "serve",
                "--config",
                "demo/gateway.yaml",
                "--listen",
                f"127.0.0.1:{args.port}",
                "--admin",
                f"127.0.0.1:{args.admin_port}",
            ],
            cwd=ROOT,
        )
        procs.append(gateway)
        _wait_port(args.port, gateway, "the gateway")
        _banner(args.port, args.admin_port)
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=10)


def _banner(port: int, admin: int) -> None:
    base = f"http://127.0.0.1:{port}"
    print(
        f"""
The gateway is up. Try:
  {base}/hello              a static response route
  {base}/echo/anything      a public route to the demo app, which echoes the headers the gateway added
  {base}/dispatch/static    a dispatch binding answering by itself
  {base}/dispatch/other     a dispatch binding proxying to the demo app
  {base}/captured/x         a captured route: read capture/route-captured.log
  {base}/limited            a throttled route: the 4th request within 10 s gets 429
  {base}/app/               a protected app: log in at the demo provider with any name and password;
                            log out ({base}/oauth2/logout) and the demo receiver prints the signed
                            session-revoked event (SET) the gateway pushed to it
Operators:
  http://127.0.0.1:{admin}/admin/api/routes   route files and their load state
  http://127.0.0.1:{admin}/metrics            Prometheus metrics
  {base}/.well-known/ssf-configuration   the Shared Signals transmitter metadata
Edit a file in routes/ and it reloads within two seconds. Ctrl-C stops everything.
""",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
