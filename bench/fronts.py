"""Bare HTTP/1.1 fronts answering every GET with the same 1 KiB body on a kept-alive connection, to
measure what the server side alone costs per request, step by step:

- `httptools`: llhttp (as the gateway's upstream client parses), a constant answer written at once;
- `parse`: aiohttp's own C parser (the gateway's), a constant answer written as each message is parsed;
- `loop`: the same, each message handed to one task per connection that awaits the next;
- `request`: the same, with an aiohttp request object (`BaseRequest`) built for each message;
- `relayed`: the same, the answer a `RelayedResponse` written by its `prepare`, as a proxied answer is;
- `gateway`: aiohttp's low-level server with the gateway's connection loop (`LeanConnection`) and
  `RelayedResponse`: the front as the gateway runs it, with every protection aiohttp gives;
- `aiohttp`: aiohttp's low-level `web.Server` answering with a `web.Response`, untouched.

The first five have no limits, deadlines or error answers: they are floors, not servers.

Usage: python bench/fronts.py KIND PORT"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections import deque
from typing import Any

import httptools
import uvloop
from aiohttp import web
from aiohttp._http_parser import HttpRequestParser
from aiohttp.base_protocol import BaseProtocol
from aiohttp.http_writer import StreamWriter

from gateway.front.connection import LeanConnection
from gateway.handlers.relayed import RelayedResponse

BODY = (b"bench body: one kibibyte of text.\n" * 32)[:1023] + b"\n"
_ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(BODY) + BODY
STEPS = ("parse", "loop", "request", "relayed")
KINDS = ("httptools", *STEPS, "gateway", "aiohttp")


async def _aiohttp_answer(request: web.BaseRequest) -> web.Response:
    return web.Response(body=BODY, content_type="text/plain")


async def _relayed_answer(request: web.BaseRequest) -> web.Response:
    return RelayedResponse(200, "OK", [(b"Content-Type", b"text/plain")], BODY)


class _GatewayFront(web.Server):
    """aiohttp's server as the gateway runs it: its connection loop, answers written by `RelayedResponse`."""

    def __call__(self) -> LeanConnection:
        return LeanConnection(self, loop=self._loop, **self._kwargs)


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
            self.transport.write(_ANSWER)


class _Steps(BaseProtocol):
    """aiohttp's parser and request objects, up to the step named: the floor of a front built on them."""

    def __init__(self, step: str, server: web.Server, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(loop, HttpRequestParser(self, loop, 2**16, max_field_size=65536))
        self.step, self.server = step, server
        self.queue: deque[Any] = deque()
        self.waiter: asyncio.Future[None] | None = None
        # What `BaseRequest` reads of its protocol.
        self.ssl_context = self.peername = self.sockname = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport; one serving task unless answers go out as messages are parsed."""
        super().connection_made(transport)
        if self.step != "parse":
            self._loop.create_task(self.serve())

    def data_received(self, data: bytes) -> None:
        """Parse; answer at once (`parse`) or wake the serving task."""
        assert self._parser is not None and self.transport is not None
        messages, _, _ = self._parser.feed_data(data)
        if self.step == "parse":
            self.transport.writelines([_ANSWER] * len(messages))
            return
        self.queue.extend(messages)
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    async def serve(self) -> None:
        """Answer each message in turn, going as far as the step says."""
        factory, handler = self.server.request_factory, self.server.request_handler
        while self.transport is not None:
            if not self.queue:
                self.waiter = self._loop.create_future()
                await self.waiter
            message, payload = self.queue.popleft()
            if self.step == "loop":
                self.transport.write(_ANSWER)
                continue
            request = factory(message, payload, self, StreamWriter(self, self._loop), None)  # type: ignore[arg-type]
            if self.step == "request":
                self.transport.write(_ANSWER)
                continue
            response = await handler(request)
            await response.prepare(request)


async def _serve(kind: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    factory: Any
    if kind == "aiohttp":
        factory = web.Server(_aiohttp_answer)
    elif kind == "gateway":
        factory = _GatewayFront(_relayed_answer, access_log=None)
    elif kind in STEPS:
        relayed = web.Server(_relayed_answer)
        factory = lambda: _Steps(kind, relayed, loop)  # noqa: E731
    else:
        factory = HttptoolsFront
    server = await loop.create_server(factory, "127.0.0.1", port)
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
