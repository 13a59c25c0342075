"""Real upstream servers on loopback for proxy tests, and a raw HTTP/1.1 client.

The upstream records what reached it (`Upstream.seen`, `Upstream.closes`) and serves:

    /slow?delay=S        answers after S seconds
    /big?size=N          N bytes of `PATTERN`, chunked; `&length=1` sends a Content-Length,
                         `&stall=1` stops after the first chunk
    /fixed?size=N        N bytes of `PATTERN` with a Content-Length (GET and HEAD)
    /gzip?size=N         a gzip-compressed body with Content-Encoding: gzip
    /hop                 a response carrying every hop-by-hop header
    /nocontent           204
    /notmodified         304 with an ETag
    /redirect            302 to /elsewhere
    /ws                  a websocket: echoes text, reverses binary, "close" closes with 4000 "bye"
    anything else        the echo record as JSON (method, raw path, headers, body size and sha256)

`raw_request` sends exactly the bytes it is given, so paths reach the gateway unnormalised.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import hashlib
import json
import random
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

# One pseudo-random MiB, repeated: big bodies that would show any reordered or lost chunk.
PATTERN = random.Random(20240601).randbytes(1 << 20)

HOP_RESPONSE_HEADERS = {
    "Keep-Alive": "timeout=5",
    "Proxy-Authenticate": 'Basic realm="upstream"',
    "Trailer": "X-Checksum",
    "Upgrade": "h2c",
    "X-Hop": "named in Connection",
}


def pattern_chunks(size: int, chunk: int = 1 << 16) -> Iterator[bytes]:
    """`size` bytes of PATTERN, in slices of at most `chunk` bytes."""
    sent = 0
    while sent < size:
        start = sent % len(PATTERN)
        part = PATTERN[start : start + min(chunk, size - sent, len(PATTERN) - start)]
        yield part
        sent += len(part)


@functools.cache
def pattern_digest(size: int) -> str:
    """sha256 of the first `size` bytes of the repeated PATTERN."""
    hasher = hashlib.sha256()
    for part in pattern_chunks(size, 1 << 20):
        hasher.update(part)
    return hasher.hexdigest()


@dataclass
class Upstream:
    """A running upstream: its base URL and what it saw."""

    url: str
    seen: list[dict[str, Any]] = field(default_factory=list)
    # Close code of every websocket the upstream ended, as the upstream saw it.
    closes: list[int | None] = field(default_factory=list)

    @property
    def paths(self) -> list[str]:
        """The raw request targets that reached the upstream, in order."""
        return [record["raw_path"] for record in self.seen]


async def _digest(request: web.Request) -> dict[str, Any]:
    hasher, size = hashlib.sha256(), 0
    async for chunk in request.content.iter_any():
        hasher.update(chunk)
        size += len(chunk)
    return {"bytes": size, "sha256": hasher.hexdigest()}


def _record(request: web.Request) -> dict[str, Any]:
    peer = request.transport.get_extra_info("peername") if request.transport else None
    return {
        "method": request.method,
        "raw_path": request.raw_path,
        "headers": [[k, v] for k, v in request.headers.items()],
        "chunked": request.headers.get("Transfer-Encoding", "").lower() == "chunked",
        "peer_port": peer[1] if peer else None,
    }


async def _stream(request: web.Request, size: int, length: bool, headers: dict[str, str]) -> web.StreamResponse:
    response = web.StreamResponse(headers=headers)
    if length:
        response.content_length = size
    await response.prepare(request)
    if request.method != "HEAD":
        for part in pattern_chunks(size):
            await response.write(part)
            if request.query.get("stall") == "1":
                await asyncio.sleep(3600)  # cancelled when the gateway gives up and closes
    await response.write_eof()
    return response


def _handlers(upstream: Upstream) -> dict[str, Any]:
    async def echo(request: web.Request) -> web.StreamResponse:
        record = _record(request)
        record["body"] = await _digest(request)
        upstream.seen.append(record)
        response = web.json_response(record)
        response.headers.add("Set-Cookie", "a=1; Path=/")
        response.headers.add("Set-Cookie", "b=2; Path=/")
        return response

    async def slow(request: web.Request) -> web.Response:
        upstream.seen.append(_record(request))
        await asyncio.sleep(float(request.query.get("delay", "5")))
        return web.Response(text="late")

    async def big(request: web.Request) -> web.StreamResponse:
        upstream.seen.append(_record(request))
        length = request.query.get("length") == "1"
        return await _stream(request, int(request.query["size"]), length, {"Content-Type": "application/octet-stream"})

    async def fixed(request: web.Request) -> web.StreamResponse:
        upstream.seen.append(_record(request))
        return await _stream(request, int(request.query["size"]), True, {"Content-Type": "application/octet-stream"})

    async def gzipped(request: web.Request) -> web.Response:
        upstream.seen.append(_record(request))
        body = gzip.compress(b"".join(pattern_chunks(int(request.query.get("size", "10000")))), mtime=0)
        headers = {"Content-Encoding": "gzip", "Content-Type": "application/octet-stream", "Vary": "Accept-Encoding"}
        return web.Response(body=body, headers=headers)

    async def hop(request: web.Request) -> web.Response:
        upstream.seen.append(_record(request))
        response = web.Response(text="hop", headers=HOP_RESPONSE_HEADERS)
        response.headers["Connection"] = "keep-alive, X-Hop"
        response.headers["X-End-To-End"] = "kept"
        return response

    async def nocontent(request: web.Request) -> web.Response:
        upstream.seen.append(_record(request))
        return web.Response(status=204, headers={"X-Kind": "nocontent"})

    async def notmodified(request: web.Request) -> web.Response:
        upstream.seen.append(_record(request))
        return web.Response(status=304, headers={"ETag": '"v1"', "Cache-Control": "max-age=60"})

    async def redirect(request: web.Request) -> web.Response:
        upstream.seen.append(_record(request))
        raise web.HTTPFound("/elsewhere")

    async def ws(request: web.Request) -> web.WebSocketResponse:
        upstream.seen.append(_record(request))
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
        upstream.closes.append(socket.close_code)
        return socket

    return {
        "/slow": slow, "/big": big, "/fixed": fixed, "/gzip": gzipped, "/hop": hop, "/nocontent": nocontent,
        "/notmodified": notmodified, "/redirect": redirect, "/ws": ws, "/{tail:.*}": echo,
    }  # fmt: skip


def _app(upstream: Upstream) -> web.Application:
    app = web.Application(client_max_size=0)
    for path, handler in _handlers(upstream).items():
        app.router.add_route("*", path, handler)
    return app


@asynccontextmanager
async def running_upstream() -> AsyncIterator[Upstream]:
    """An upstream on a free loopback port."""
    upstream = Upstream("")
    # Cancel handlers whose client went away, so that a slow answer the gateway gave up on ends at once.
    async with on_loopback(_app(upstream), handler_cancellation=True, shutdown_timeout=1) as url:
        upstream.url = url
        yield upstream


@asynccontextmanager
async def on_loopback(app: web.Application, **options: Any) -> AsyncIterator[str]:
    """Serve `app` on a free loopback port: its base URL, until the block ends."""
    runner = web.AppRunner(app, access_log=None, **options)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


def parse(body: bytes) -> dict[str, Any]:
    """An echo record."""
    return json.loads(body)  # type: ignore[no-any-return]


@dataclass
class RawResponse:
    """A response as read off the wire: status line, headers in order, body (de-chunked)."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        """The first value of a header, by case-insensitive name."""
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def all(self, name: str) -> list[str]:
        """Every value of a header, in order."""
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)


async def raw_request(
    base_url: str,
    target: str,
    *,
    method: str = "GET",
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
    head: bytes | None = None,
) -> RawResponse:
    """Send one request byte-exact on a fresh connection (`head` replaces the whole head) and read the answer."""
    host, _, port = base_url.removeprefix("http://").rpartition(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        if head is None:
            lines = [f"{method} {target} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
            lines += [f"{k}: {v}" for k, v in headers or []]
            if body:
                lines.append(f"Content-Length: {len(body)}")
            head = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
        writer.write(head + body)
        await writer.drain()
        return await read_response(reader, method)
    finally:
        writer.close()
        await writer.wait_closed()


async def read_response(reader: asyncio.StreamReader, method: str = "GET") -> RawResponse:
    """Read one HTTP/1.1 response: Content-Length, chunked (trailers skipped) or until EOF."""
    status_line = (await reader.readline()).decode("latin-1")
    headers: list[tuple[str, str]] = []
    while (line := (await reader.readline()).decode("latin-1").rstrip("\r\n")) != "":
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
    response = RawResponse(int(status_line.split()[1]), headers, b"")
    if method == "HEAD" or response.status in (204, 304) or response.status < 200:
        return response
    if (response.header("Transfer-Encoding") or "").lower() == "chunked":
        response.body = await _read_chunked(reader)
    elif (length := response.header("Content-Length")) is not None:
        response.body = await reader.readexactly(int(length))
    else:
        response.body = await reader.read()
    return response


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while size := int((await reader.readline()).split(b";")[0], 16):
        parts.append(await reader.readexactly(size))
        await reader.readline()
    while (await reader.readline()) not in (b"\r\n", b""):
        pass
    return b"".join(parts)


def proxy_route(base_url: str, condition: str | None = None, **client: Any) -> dict[str, Any]:
    """A route sending everything (or what `condition` holds for) to `base_url` through ClientHandler."""
    route: dict[str, Any] = {"baseURI": base_url, "handler": {"type": "ClientHandler", "config": client}}
    if condition is not None:
        route["condition"] = condition
    return route
