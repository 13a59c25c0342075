"""One upstream response as it arrives: llhttp calls in with the status, headers and body chunks."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from typing import Protocol

import httptools

from gateway.errors import GatewayError, UpstreamUnavailable


class Carrier(Protocol):
    """The connection a response arrives on (`gateway.upstream.connection.UpstreamConnection`)."""

    loop: asyncio.AbstractEventLoop

    # The response is whole (or abandoned); `reusable` when the connection can carry another.
    def finished(self, response: UpstreamResponse, reusable: bool) -> None: ...
    # Flow control: the client is slower than the upstream, or caught up.
    def pause_reading(self) -> None: ...
    def resume_reading(self) -> None: ...
    def close(self) -> None: ...


# The upstream socket stops being read while this much body waits for a slow client, and resumes
# once half of it is gone: memory stays bounded whatever the sizes.
HIGH_WATER = 256 * 1024
LOW_WATER = HIGH_WATER // 2


class UpstreamResponse:
    """Status, raw headers and body of one response; the body is read whole or as chunks, once."""

    __slots__ = (
        "_buffered",
        "_chunks",
        "_conn",
        "_head",
        "_interim",
        "_waiter",
        "complete",
        "content_length",
        "error",
        "head_bytes",
        "headers_complete",
        "parser",
        "raw_headers",
        "reason",
        "started",
        "status",
        "until_eof",
    )

    def __init__(self, connection: Carrier, head: bool) -> None:
        self._conn = connection
        self._head = head
        self.parser = httptools.HttpResponseParser(self)
        self.status = 0
        self.reason = ""
        self.raw_headers: list[tuple[bytes, bytes]] = []
        self.content_length: int | None = None
        # No Content-Length and not chunked: the body ends when the upstream closes.
        self.until_eof = False
        self.started = False
        self.head_bytes = 0
        self.headers_complete = False
        self.complete = False
        self.error: GatewayError | None = None
        self._interim = False
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._waiter: asyncio.Future[None] | None = None

    # llhttp callbacks, called from inside `feed_data`.

    def on_message_begin(self) -> None:
        """A message starts: after a finished response that means the upstream sent more than asked."""
        if self.complete:
            self._conn.close()
            return
        self.started = True
        self.reason = ""
        self.raw_headers = []

    def on_status(self, status: bytes) -> None:
        """The reason phrase, possibly in pieces."""
        self.reason += status.decode("latin-1")

    def on_header(self, name: bytes, value: bytes) -> None:
        """One header field, whole."""
        self.raw_headers.append((name, value))

    def on_headers_complete(self) -> None:
        """The head is in: interim 1xx answers are skipped, the final one wakes the reader."""
        status = self.parser.get_status_code()
        if status < 200:
            # 100 and 103 precede the real answer; 101 would switch protocols nobody asked for.
            if status == 101:
                raise UpstreamUnavailable("the upstream switched protocols unasked")
            self._interim = True
            return
        self.status = status
        chunked = False
        for name, value in self.raw_headers:
            # The length first: most names are neither, and lower-casing each would cost more.
            size = len(name)
            if size == 14 and name.lower() == b"content-length":
                self.content_length = int(value)
            elif size == 17 and name.lower() == b"transfer-encoding":
                chunked = value.rstrip().lower().endswith(b"chunked")
        self.until_eof = self.content_length is None and not chunked and status not in (204, 304)
        self.headers_complete = True
        if self._head:
            # llhttp cannot be told the request was HEAD: whatever length the headers announce, no body follows.
            self._finish()
        else:
            self._wake()

    def on_body(self, body: bytes) -> None:
        """A body chunk; reading pauses while too much waits."""
        if self.complete:
            self._conn.close()
            return
        self._chunks.append(body)
        self._buffered += len(body)
        if self._buffered > HIGH_WATER:
            self._conn.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        """The body is whole: the connection can serve the next request."""
        if self._interim:
            self._interim = False
            return
        if not self.complete:
            self._finish()

    # Called by the connection.

    def finish_at_eof(self) -> None:
        """The upstream closed the connection, which ends a body sent without a length."""
        self._finish(reusable=False)

    def fail(self, error: GatewayError) -> None:
        """The exchange broke: the reader gets `error`."""
        if self.complete or self.error is not None:
            return
        self.error = error
        self._wake()

    def _finish(self, reusable: bool = True) -> None:
        self.complete = True
        self._wake()
        self._conn.finished(self, reusable)

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    async def _wait(self) -> None:
        waiter = self._waiter = self._conn.loop.create_future()
        try:
            await waiter
        except BaseException:
            # The relaying request was cancelled (its client left): the half-read response is useless.
            self.close()
            raise

    # The reader's side.

    async def wait_head(self) -> None:
        """Until the status and headers are in; raises the exchange's error."""
        while not self.headers_complete:
            if self.error is not None:
                raise self.error
            await self._wait()

    async def read(self) -> bytes:
        """The whole body."""
        while not self.complete:
            if self.error is not None:
                raise self.error
            await self._wait()
        body = b"".join(self._chunks)
        self._chunks.clear()
        self._buffered = 0
        return body

    async def iter_chunks(self) -> AsyncIterator[bytes]:
        """The body chunk by chunk as it arrives, resuming the socket once the backlog drains."""
        chunks = self._chunks
        while True:
            if chunks:
                chunk = chunks.popleft()
                self._buffered -= len(chunk)
                if self._buffered <= LOW_WATER:
                    self._conn.resume_reading()
                yield chunk
            elif self.complete:
                return
            elif self.error is not None:
                raise self.error
            else:
                await self._wait()

    def close(self) -> None:
        """The reader is done: an unfinished response makes its connection unusable."""
        if not self.complete:
            self.complete = True
            self._conn.close()
        self._chunks.clear()
