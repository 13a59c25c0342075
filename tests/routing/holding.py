"""An upstream that holds each request until the test releases it: a request provably in flight."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web

from tests.support.upstream import on_loopback


@dataclass
class Holding:
    """An upstream whose /hold answers only when the test releases it."""

    url: str = ""
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)


@asynccontextmanager
async def holding_upstream() -> AsyncIterator[Holding]:
    """A holding upstream on a free loopback port; released and stopped on exit."""
    holding = Holding()

    async def hold(request: web.Request) -> web.Response:
        holding.arrived.set()
        await holding.release.wait()
        return web.Response(text="held")

    app = web.Application()
    app.router.add_get("/hold", hold)
    async with on_loopback(app) as url:
        holding.url = url
        try:
            yield holding
        finally:
            holding.release.set()
