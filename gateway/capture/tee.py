"""Tees that copy the head of a streamed body into a pending record as the bytes flow past.

Bodies are never buffered for capture: each chunk goes on at once, and only the first
`maxEntityLength` bytes are kept. The record is submitted when the body ends."""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

from aiohttp import StreamReader
from aiohttp.abc import AbstractStreamWriter
from aiohttp.payload import Payload
from multidict import CIMultiDict

from gateway.capture.message import Pending


class BodyTee:
    """A request body source (what the upstream client reads) that feeds a pending record."""

    def __init__(self, source: AsyncIterable[bytes], pending: Pending) -> None:
        # A StreamReader iterates by lines; the client reads it by chunks, and so does the tee.
        chunks = source.iter_any() if isinstance(source, StreamReader) else source
        self._source: AsyncIterator[bytes] = chunks.__aiter__()
        self._pending = pending
        # A body nobody reads to its end still gets its record, when the request is done with it.
        weakref.finalize(self, pending.finish, False).atexit = False

    def __aiter__(self) -> BodyTee:
        return self

    async def __anext__(self) -> bytes:
        try:
            chunk = await anext(self._source)
        except StopAsyncIteration:
            self._pending.finish()
            raise
        except BaseException:
            self._pending.finish(complete=False)
            raise
        self._pending.feed(chunk)
        return chunk


class TeePayload(Payload):
    """A response body that streams its inner payload and feeds a pending record on the way."""

    def __init__(self, inner: Payload, pending: Pending) -> None:
        super().__init__(inner, headers=inner.headers)
        self._inner = inner
        self._pending = pending
        weakref.finalize(self, pending.finish, False).atexit = False

    @property
    def size(self) -> int | None:
        """The inner payload's size, so Content-Length is unchanged."""
        return self._inner.size

    async def write(self, writer: AbstractStreamWriter) -> None:
        """Stream the inner payload; submit the record when it ends, however it ends."""
        await self.write_with_length(writer, None)

    async def write_with_length(self, writer: AbstractStreamWriter, content_length: int | None) -> None:
        """Stream with the length aiohttp already sent."""
        complete = False
        try:
            await self._inner.write_with_length(_TeeWriter(writer, self._pending), content_length)
            complete = True
        finally:
            self._pending.finish(complete)

    async def close(self) -> None:
        """Close the inner payload."""
        await self._inner.close()

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        """As the inner payload."""
        return self._inner.decode(encoding, errors)

    async def as_bytes(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        """Read the inner payload whole (for filters that buffer on purpose) and record it."""
        data = await self._inner.as_bytes(encoding, errors)
        self._pending.feed(data)
        self._pending.finish()
        return data


class _TeeWriter(AbstractStreamWriter):
    """Passes every call to the real writer, copying body chunks into the pending record."""

    def __init__(self, writer: AbstractStreamWriter, pending: Pending) -> None:
        self._writer = writer
        self._pending = pending

    async def write(self, chunk: bytes | bytearray | memoryview) -> None:
        self._pending.feed(chunk)
        await self._writer.write(chunk)

    async def write_eof(self, chunk: bytes = b"") -> None:
        if chunk:
            self._pending.feed(chunk)
        await self._writer.write_eof(chunk)

    async def drain(self) -> None:
        await self._writer.drain()

    def enable_compression(self, encoding: str = "deflate", strategy: int | None = None) -> None:
        self._writer.enable_compression(encoding, strategy)

    def enable_chunking(self) -> None:
        self._writer.enable_chunking()

    async def write_headers(self, status_line: str, headers: CIMultiDict[str]) -> None:
        await self._writer.write_headers(status_line, headers)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._writer, name)
