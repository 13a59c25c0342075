"""One keep-alive HTTP/1.1 connection to an upstream: writes a request, feeds the answer to llhttp."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable
from typing import TYPE_CHECKING, Protocol, cast

import httptools
from aiohttp import StreamReader

from gateway.errors import GatewayError, UpstreamTimeout, UpstreamUnavailable
from gateway.upstream.response import UpstreamResponse

if TYPE_CHECKING:
    from gateway.upstream.origin import Origin


class Owner(Protocol):
    """The pool a connection returns to (`gateway.upstream.pool.UpstreamPool`)."""

    # Keep the connection for another request, or forget it: it is closed or closing.
    def release(self, conn: UpstreamConnection) -> None: ...
    def discard(self, conn: UpstreamConnection) -> None: ...


# What an upstream may send before its headers end (interim responses included); llhttp has no limit.
MAX_HEAD_BYTES = 256 * 1024


class Disconnected(UpstreamUnavailable):
    """The upstream closed the connection before answering."""


class BrokenOff(UpstreamUnavailable):
    """The upstream closed the connection in the middle of its response."""


class UpstreamConnection(asyncio.Protocol):
    """A transport plus the response in flight on it; returns itself to the pool when the answer is whole."""

    def __init__(self, pool: Owner, origin: Origin, loop: asyncio.AbstractEventLoop) -> None:
        self.pool = pool
        self.origin = origin
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.response: UpstreamResponse | None = None
        self.open = True
        # Counted in the pool's open connections until closed.
        self.counted = True
        self.idle_since = 0.0
        self._reading_paused = False
        self._writing_paused = False
        self._drained: asyncio.Future[None] | None = None
        self._body: asyncio.Task[None] | None = None
        self._body_sent = True
        self._read_timeout = 0.0
        self._last_read = 0.0
        self._timer: asyncio.TimerHandle | None = None

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport."""
        # uvloop's transports do not subclass asyncio.Transport, but have its methods.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        """Feed the response in flight; bytes nobody asked for end the connection."""
        response = self.response
        if response is None:
            self.close()
            return
        self._last_read = self.loop.time()
        if not response.headers_complete:
            response.head_bytes += len(data)
            if response.head_bytes > MAX_HEAD_BYTES:
                response.fail(UpstreamUnavailable(f"the response head exceeds {MAX_HEAD_BYTES} bytes"))
                self.close()
                return
        try:
            response.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            response.fail(UpstreamUnavailable("the upstream switched protocols unasked"))
            self.close()
        except httptools.HttpParserError as exc:
            cause = exc.__context__
            response.fail(cause if isinstance(cause, GatewayError) else UpstreamUnavailable(f"bad response: {exc}"))
            self.close()

    def eof_received(self) -> bool:
        """The upstream closed its side: that ends a body without a length; the connection closes."""
        response = self.response
        if response is not None and response.headers_complete and response.until_eof:
            response.finish_at_eof()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        """Fail whatever was in flight and leave the pool."""
        self.open = False
        self._cancel_timer()
        response = self.response
        self.response = None
        if response is not None and not response.complete:
            if response.headers_complete and response.until_eof and exc is None:
                response.finish_at_eof()
            else:
                error: UpstreamUnavailable = (
                    BrokenOff(f"the upstream closed the connection mid-response: {exc!r}")
                    if response.started
                    else Disconnected(f"the upstream closed the connection before answering: {exc!r}")
                )
                error.__cause__ = exc
                response.fail(error)
        drained = self._drained
        if drained is not None and not drained.done():
            drained.set_exception(ConnectionResetError("upstream connection closed"))
        self.pool.discard(self)

    def pause_writing(self) -> None:
        """The upstream reads the request body slower than it comes."""
        self._writing_paused = True

    def resume_writing(self) -> None:
        """The upstream caught up."""
        self._writing_paused = False
        drained = self._drained
        if drained is not None:
            self._drained = None
            if not drained.done():
                drained.set_result(None)

    # The exchange

    def start(self, head: bytes, body: AsyncIterable[bytes] | None, length: int | None, is_head: bool,
              read_timeout: float) -> UpstreamResponse:  # fmt: skip
        """Send the request (the body from a task, chunked without a `length`) and return the response to come."""
        transport = self.transport
        assert transport is not None
        response = self.response = UpstreamResponse(self, is_head)
        transport.write(head)
        self._body_sent = body is None
        if body is not None:
            self._body = self.loop.create_task(self._send_body(body, length, response))
        self._read_timeout = read_timeout
        if read_timeout:
            self._last_read = now = self.loop.time()
            # One timer per connection, kept between requests and re-armed when it fires early:
            # arming and cancelling one per request costs more than the rare extra wake-up.
            timer = self._timer
            if timer is None or timer.when() > now + read_timeout:
                self._cancel_timer()
                self._timer = self.loop.call_at(now + read_timeout, self._check_timeout)
        return response

    async def _send_body(self, body: AsyncIterable[bytes], length: int | None, response: UpstreamResponse) -> None:
        transport = self.transport
        assert transport is not None
        # A StreamReader iterates by lines; the client's bytes are wanted as they come.
        chunks = body.iter_any() if isinstance(body, StreamReader) else body
        sent = 0
        try:
            async for chunk in chunks:
                if not chunk or not self.open:
                    continue
                if length is None:
                    transport.writelines((b"%x\r\n" % len(chunk), chunk, b"\r\n"))
                else:
                    transport.write(chunk)
                    sent += len(chunk)
                    # The upstream may answer as soon as it has the declared length, before this loop ends.
                    self._body_sent = sent >= length
                if self._writing_paused:
                    self._drained = self.loop.create_future()
                    await self._drained
            if length is None and self.open:
                transport.write(b"0\r\n\r\n")
            self._body_sent = True
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            response.fail(UpstreamUnavailable(f"the request body broke off: {exc!r}"))
            self.close()

    def finished(self, response: UpstreamResponse, reusable: bool) -> None:
        """The response is whole: back to the pool if the connection can carry another."""
        if response is not self.response:
            return
        self.response = None
        body = self._body
        self._body = None
        if body is not None and not body.done():
            body.cancel()
            # The upstream answered before taking the whole body: the rest would reach the next request.
            reusable = reusable and self._body_sent
        if self._reading_paused:
            self.resume_reading()
        if reusable and self.open and response.parser.should_keep_alive():
            self.pool.release(self)
        else:
            self.close()

    def _check_timeout(self) -> None:
        self._timer = None
        response = self.response
        if response is None or not self._read_timeout:
            return
        now = self.loop.time()
        # Paused by us for a slow client: silence from the upstream is expected.
        due = (now if self._reading_paused else self._last_read) + self._read_timeout
        if due > now:
            self._timer = self.loop.call_at(due, self._check_timeout)
            return
        response.fail(UpstreamTimeout(f"no data from the upstream for {self._read_timeout:g} s"))
        self.close()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def pause_reading(self) -> None:
        """Stop reading the upstream while the client lags."""
        if not self._reading_paused and self.transport is not None and self.open:
            self._reading_paused = True
            self.transport.pause_reading()

    def resume_reading(self) -> None:
        """Read the upstream again."""
        if self._reading_paused and self.transport is not None:
            self._reading_paused = False
            if self.open:
                self.transport.resume_reading()

    def close(self) -> None:
        """Close the connection (it leaves the pool when the transport reports it lost)."""
        if self.open:
            self.open = False
            if self.transport is not None:
                self.transport.close()
            if self._body is not None:
                self._body.cancel()
                self._body = None
        self.pool.discard(self)
