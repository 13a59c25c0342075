"""A loopback TCP server whose answers are written by the test, byte for byte, to drive the client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from yarl import URL

from gateway.upstream.pool import Origin, UpstreamPool

Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter, "Scripted"], Awaitable[None]]


@dataclass
class Scripted:
    """The server's address, how many connections it accepted, and the request heads it read."""

    port: int = 0
    connections: int = 0
    heads: list[bytes] = field(default_factory=list)

    @property
    def origin(self) -> Origin:
        """The client's origin for this server."""
        return Origin.of(URL(f"http://127.0.0.1:{self.port}"))

    async def read_head(self, reader: asyncio.StreamReader) -> bytes:
        """One request head; recorded."""
        head = await reader.readuntil(b"\r\n\r\n")
        self.heads.append(head)
        return head


@asynccontextmanager
async def scripted(script: Script) -> AsyncIterator[Scripted]:
    """Serve `script` on a free loopback port for every connection."""
    state = Scripted()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state.connections += 1
        try:
            await script(reader, writer, state)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    state.port = server.sockets[0].getsockname()[1]
    try:
        yield state
    finally:
        server.close()
        await server.wait_closed()


@asynccontextmanager
async def pooled(script: Script, **options: Any) -> AsyncIterator[tuple[Scripted, UpstreamPool]]:
    """`script` served, and a pool (with these options) that is closed after use."""
    async with scripted(script) as up:
        pool = UpstreamPool(**options)
        try:
            yield up, pool
        finally:
            await pool.close()


def ok(body: bytes = b"ok", extra: bytes = b"") -> bytes:
    """A 200 with a Content-Length."""
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), extra, body)
