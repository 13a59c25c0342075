"""The Cerbos PDP (npm @cerbos/cerbos-linux-x64, installed by ./scripts/test into cerbos/) on
loopback: a real third-party AuthZEN 1.0 PDP for the authorization tests."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp

from tests.support.process import free_port, stop_process

ROOT = Path(__file__).resolve().parents[2]
BINARY = ROOT / "cerbos" / "node_modules" / "@cerbos" / "cerbos-linux-x64" / "cerbos-linux-x64"


@asynccontextmanager
async def running_cerbos(policies: Path, workdir: Path, timeout: float = 20.0) -> AsyncIterator[str]:
    """Cerbos serving the policies folder; yields its base URL (also its AuthZEN PDP identifier)."""
    if not BINARY.exists():
        raise RuntimeError(f"{BINARY} is missing: run ./scripts/test, which installs it (npm ci --prefix cerbos)")
    http_port, grpc_port = free_port(), free_port()
    config = workdir / "cerbos.yaml"
    config.write_text(
        f'server:\n  httpListenAddr: "127.0.0.1:{http_port}"\n  grpcListenAddr: "127.0.0.1:{grpc_port}"\n'
        f"storage:\n  driver: disk\n  disk:\n    directory: {policies}\n    watchForChanges: false\n",
        encoding="utf-8",
    )
    log = (workdir / "cerbos.log").open("wb")
    env = {**os.environ, "CERBOS_NO_TELEMETRY": "1"}
    proc = subprocess.Popen([str(BINARY), "server", f"--config={config}"], stdout=log, stderr=log, env=env)
    url = f"http://127.0.0.1:{http_port}"
    try:
        await _wait_ready(url, proc, timeout)
        yield url
    finally:
        stop_process(proc, 10)
        log.close()


async def _wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with aiohttp.ClientSession() as http:
        while loop.time() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"cerbos exited with {proc.returncode}")
            try:
                async with http.get(f"{url}/_cerbos/health") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"cerbos did not become ready within {timeout} s")
