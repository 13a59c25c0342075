"""A real SET push receiver (RFC 8935) on loopback that records what it gets and answers as told."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Pushed:
    """One POST the receiver got."""

    token: str
    headers: dict[str, str]
    at: float


@dataclass
class SetReceiver:
    """Records pushes; `answers` queues (status, body, headers) to give before answering 202."""

    url: str = ""
    got: list[Pushed] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    answers: list[tuple[int, Any, dict[str, str]]] = field(default_factory=list)
    delay: float = 0.0
    down: bool = False
    arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        token = (await request.read()).decode()
        self.got.append(Pushed(token, dict(request.headers), time.monotonic()))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.down:
            return web.Response(status=503)
        if self.answers:
            status, body, headers = self.answers.pop(0)
            if status != 202:
                return web.json_response(body, status=status, headers=headers)
        self.accepted.append(token)
        async with self.arrived:
            self.arrived.notify_all()
        return web.Response(status=202)

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[str]:
        """The accepted SETs, once there are at least `count`."""
        async with self.arrived:
            await asyncio.wait_for(self.arrived.wait_for(lambda: len(self.accepted) >= count), timeout)
        return list(self.accepted)


@asynccontextmanager
async def running_set_receiver() -> AsyncIterator[SetReceiver]:
    """A receiver at http://127.0.0.1:<free port>/events."""
    receiver = SetReceiver()
    app = web.Application()
    app.router.add_post("/events", receiver.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    receiver.url = f"http://127.0.0.1:{port}/events"
    try:
        yield receiver
    finally:
        await runner.cleanup()
