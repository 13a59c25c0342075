"""The demo's receiver verifies and prints the SET that a logout makes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiohttp import web

from demo.receiver import make_app
from tests.signals.conftest import SECRET, login, manager_of, signals_config
from tests.support.gateway import running_gateway
from tests.support.process import free_port


async def test_the_demo_receiver_prints_the_set_of_a_logout(
    tmp_path: Path, routes_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port, listen = free_port(), free_port()
    streams = [{"id": "demo-push", "endpoint": f"http://127.0.0.1:{port}/events", "aud": "demo"}]
    settings = {"state": str(tmp_path / "state"), "sessions": {"secret": SECRET}, "listen": f"127.0.0.1:{listen}"}
    runner = web.AppRunner(make_app(f"http://127.0.0.1:{listen}/ssf/jwks"))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        async with running_gateway(routes_dir, signals=signals_config(None, streams=streams), **settings) as gateway:
            await manager_of(gateway).end_session(await login(gateway), reason="logout", initiator="user")
            for _ in range(100):
                if "session-revoked" in capsys.readouterr().out:
                    break
                await asyncio.sleep(0.05)
            else:
                pytest.fail("the demo receiver printed no session-revoked SET")
    finally:
        await runner.cleanup()
