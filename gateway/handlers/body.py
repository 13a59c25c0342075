"""A response body that streams the upstream's bytes to the client and then frees the connection."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp.abc import AbstractStreamWriter
from aiohttp.payload import Payload

from gateway.errors import GatewayError
from gateway.upstream.response import UpstreamResponse

log = logging.getLogger("gateway.proxy")


class UpstreamBody(Payload):
    """Streams an upstream response body chunk by chunk, so memory stays flat for any size.

    Flow control bounds what sits in memory: the upstream socket is paused while the client is
    slower than the upstream, and `writer.write` waits while the client's buffer is full."""

    def __init__(self, upstream: UpstreamResponse, **kwargs: Any) -> None:
        super().__init__(upstream, **kwargs)
        self._upstream = upstream

    @property
    def size(self) -> int | None:
        """Unknown in advance: the length comes from the upstream's Content-Length header."""
        return None

    async def write(self, writer: AbstractStreamWriter) -> None:
        """Copy chunks as they arrive; free the upstream connection whatever happens."""
        try:
            async for chunk in self._upstream.iter_chunks():
                await writer.write(chunk)
        except GatewayError as exc:
            # Headers are already sent: the only honest signal left is to cut the connection.
            log.warning("upstream body broke off: %s", exc)
            raise ConnectionResetError("upstream body broke off") from exc
        finally:
            # An unfinished body (the client went away) closes the upstream connection.
            self._upstream.close()

    async def write_with_length(self, writer: AbstractStreamWriter, content_length: int | None) -> None:
        """aiohttp passes the Content-Length it already sent; the upstream honours it."""
        await self.write(writer)

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        """A streamed body cannot be decoded in advance."""
        raise TypeError("a streamed upstream body cannot be decoded in advance")

    async def as_bytes(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        """Read the whole body (used only by filters that buffer on purpose)."""
        try:
            return await self._upstream.read()
        finally:
            self._upstream.close()

    def _close(self) -> None:
        # A response that is dropped unsent (a filter replaced it, the client left) frees the connection.
        self._upstream.close()
