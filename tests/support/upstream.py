"""Real upstream servers on loopback for proxy tests: echo, slow, big, chunked, websocket."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web


@dataclass
class Upstream:
    """A running upstream: its base URL and what it saw."""

    url: str
    seen: list[dict[str, Any]] = field(default_factory=list)


async def _digest(request: web.Request) -> dict[str, Any]:
    hasher, size = hashlib.sha256(), 0
    async for chunk in request.content.iter_any():
        hasher.update(chunk)
        size += len(chunk)
    return {"bytes": size, "sha256": hasher.hexdigest()}


def _app(upstream: Upstream) -> web.Application:
    async def echo(request: web.Request) -> web.StreamResponse:
        record = {
            "method": request.method,
            "raw_path": request.raw_path,
            "headers": [[k, v] for k, v in request.headers.items()],
            "chunked": request.headers.get("Transfer-Encoding", "").lower() == "chunked",
            "body": await _digest(request),
        }
        upstream.seen.append(record)
        response = web.json_response(record)
        response.headers.add("Set-Cookie", "a=1; Path=/")
        response.headers.add("Set-Cookie", "b=2; Path=/")
        response.headers["Connection"] = "keep-alive, X-Hop"
        response.headers["X-Hop"] = "should not pass"
        response.headers["Keep-Alive"] = "timeout=5"
        return response

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(float(request.query.get("delay", "5")))
        return web.Response(text="late")

    async def big(request: web.Request) -> web.StreamResponse:
        size, chunk = int(request.query["size"]), b"x" * 65536
        response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        if request.query.get("length") == "1":
            response.content_length = size
        await response.prepare(request)
        sent = 0
        while sent < size:
            part = chunk[: min(len(chunk), size - sent)]
            await response.write(part)
            sent += len(part)
        await response.write_eof()
        return response

    async def ws(request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(protocols=("chat",))
        await socket.prepare(request)
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                if message.data == "close":
                    await socket.close(code=4000, message=b"bye")
                    break
                await socket.send_str(f"echo:{message.data}")
            elif message.type == WSMsgType.BINARY:
                await socket.send_bytes(message.data[::-1])
        return socket

    async def nocontent(request: web.Request) -> web.Response:
        return web.Response(status=204)

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound("/elsewhere")

    app = web.Application(client_max_size=0)
    app.router.add_get("/slow", slow)
    app.router.add_get("/big", big)
    app.router.add_get("/ws", ws)
    app.router.add_get("/nocontent", nocontent)
    app.router.add_get("/redirect", redirect)
    app.router.add_route("*", "/{tail:.*}", echo)
    return app


@asynccontextmanager
async def running_upstream() -> AsyncIterator[Upstream]:
    """An upstream on a free loopback port."""
    upstream = Upstream("")
    runner = web.AppRunner(_app(upstream), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    upstream.url = f"http://{host}:{port}"
    try:
        yield upstream
    finally:
        await runner.cleanup()


def parse(body: bytes) -> dict[str, Any]:
    """An echo record."""
    return json.loads(body)  # type: ignore[no-any-return]
