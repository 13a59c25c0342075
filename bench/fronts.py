"""Two bare HTTP/1.1 fronts answering every GET with the same 1 KiB body on a kept-alive connection,
to measure what the server side alone costs per request: aiohttp's low-level `web.Server` (the
gateway's front) and a protocol on httptools (llhttp, as the gateway's upstream client parses).

Usage: python bench/fronts.py aiohttp|httptools PORT"""

from __future__ import annotations

import asyncio
import signal
import sys

import httptools
import uvloop
from aiohttp import web

BODY = (b"bench body: one kibibyte of text.\n" * 32)[:1023] + b"\n"
_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(BODY)


async def _aiohttp_answer(request: web.BaseRequest) -> web.Response:
    return web.Response(body=BODY, content_type="text/plain")


class HttptoolsFront(asyncio.Protocol):
    """Parses requests with llhttp and answers each one once its message is complete."""

    def __init__(self) -> None:
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport."""
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        """Feed the parser; answers go out from `on_message_complete`."""
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            if self.transport is not None:
                self.transport.close()

    def on_message_complete(self) -> None:
        """One request read: the answer in one write."""
        if self.transport is not None:
            self.transport.write(_HEAD + BODY)


async def _serve(kind: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    if kind == "aiohttp":
        server = await loop.create_server(web.Server(_aiohttp_answer), "127.0.0.1", port)
    else:
        server = await loop.create_server(HttptoolsFront, "127.0.0.1", port)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    server.close()


def main() -> None:
    """Serve until SIGTERM."""
    kind, port = sys.argv[1], int(sys.argv[2])
    uvloop.run(_serve(kind, port))


if __name__ == "__main__":
    main()
