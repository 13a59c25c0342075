"""`python -m demo`: the echo upstream, the demo signals receiver, the demo OpenID provider and the
gateway with the example routes, until Ctrl-C."""

from __future__ import annotations

import argparse
import errno
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ECHO_PORT = 8090
RECEIVER_PORT = 8091
IDP_PORT = 9000
# The port the demo provider's client registration is written for; replaced by the one in use.
REGISTERED_PORT = 8080


def _check_free(port: int, what: str, flag: str | None = None) -> None:
    """Stop with a clear message when another program already listens on `port`."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            hint = f"; choose another with {flag}" if flag else "; stop the program using it"
            raise SystemExit(f"demo: port {port} ({what}) is already in use{hint}") from None


def _idp_config(port: int, folder: Path) -> Path:
    """The demo provider's config with the gateway's callback and logout URIs on `port`."""
    text = (ROOT / "demo" / "idp.json").read_text(encoding="utf-8")
    config = json.loads(text.replace(f":{REGISTERED_PORT}/", f":{port}/"))
    path = folder / "idp.json"
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    return path


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
    for port, what, flag in (
        (args.port, "the gateway", "--port"),
        (args.admin_port, "the admin listener", "--admin-port"),
        (ECHO_PORT, "the demo upstream", None),
        (RECEIVER_PORT, "the demo signals receiver", None),
        (IDP_PORT, "the demo OpenID provider", None),
    ):
        _check_free(port, what, flag)
    procs: list[subprocess.Popen[bytes]] = []
    folder = tempfile.TemporaryDirectory(prefix="gateway-demo-")
    try:
        _start(args.port, args.admin_port, Path(folder.name), procs)
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
        folder.cleanup()


def _start(port: int, admin: int, folder: Path, procs: list[subprocess.Popen[bytes]]) -> None:
    """Start the upstream, the receiver, the provider and the gateway, each once the one before listens."""
    python = sys.executable
    echo = subprocess.Popen([python, "-m", "demo.echo", "--port", str(ECHO_PORT)], cwd=ROOT)
    procs.append(echo)
    _wait_port(ECHO_PORT, echo, "the demo upstream")
    jwks = f"http://127.0.0.1:{port}/ssf/jwks"
    receiver = subprocess.Popen([python, "-m", "demo.receiver", "--port", str(RECEIVER_PORT), "--jwks", jwks], cwd=ROOT)
    procs.append(receiver)
    _wait_port(RECEIVER_PORT, receiver, "the demo signals receiver")
    provider = ["node", "idp/provider.mjs", "--port", str(IDP_PORT), "--issuer", f"http://127.0.0.1:{IDP_PORT}"]
    config = ["--config", str(_idp_config(port, folder))]
    idp = subprocess.Popen(provider + config, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs.append(idp)
    _wait_port(IDP_PORT, idp, "the demo OpenID provider")
    serve = ["serve", "--config", "demo/gateway.yaml", "--listen", f"127.0.0.1:{port}", "--admin", f"127.0.0.1:{admin}"]
    # The SETs name the gateway on the port in use as their issuer.
    env = {**os.environ, "DEMO_SIGNALS_ISSUER": f"http://127.0.0.1:{port}"}
    gateway = subprocess.Popen([python, "-m", "gateway", *serve], cwd=ROOT, env=env)
    procs.append(gateway)
    _wait_port(port, gateway, "the gateway")
    _wait_port(admin, gateway, "the gateway's admin listener")


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
  {base}/app/               a protected app: log in at the demo provider with any name and password,
                            then "Sign out" on the page ends the session here and at the provider,
                            and the demo receiver prints the signed session-revoked event (SET)
                            the gateway pushed to it
  {base}/device-api/        an API for clients without a browser: device flow login (README, Login)
Studio (build, try and deploy routes in the browser):
  http://127.0.0.1:{admin}/studio/
Operators:
  http://127.0.0.1:{admin}/admin/api/routes   route files and their load state
  http://127.0.0.1:{admin}/metrics            Prometheus metrics
Edit a file in routes/ and it reloads within two seconds. Ctrl-C stops everything.
""",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
