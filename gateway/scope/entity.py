"""Reading the request body once for `request.entity`, bounded, while still forwarding it intact."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from typing import Protocol

from aiohttp import StreamReader, web


class Exchange(Protocol):
    """What reading the entity touches of the exchange (`gateway.exchange.Exchange`)."""

    entity: bytes | None
    request_body: AsyncIterable[bytes] | None


# Bodies above this size are forwarded untouched but not offered to expressions (entity is null).
ENTITY_LIMIT = 1 << 20


async def read_entity(request: web.BaseRequest, exchange: Exchange, limit: int = ENTITY_LIMIT) -> None:
    """Read the body into `exchange.entity` (once); the next hop gets the same bytes."""
    if exchange.entity is not None or exchange.request_body is not None:
        return
    if not request.body_exists:
        exchange.entity = b""
        return
    length = request.content_length
    if length is not None and length > limit:
        return
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = await request.content.read(limit + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    body = b"".join(chunks)
    if size <= limit:
        exchange.entity = body
        exchange.request_body = _replay(body, None)
    else:  # too big after all: forward what was read, then the rest of the stream
        exchange.request_body = _replay(body, request.content)


async def _replay(head: bytes, rest: StreamReader | None) -> AsyncIterator[bytes]:
    if head:
        yield head
    if rest is not None:
        async for chunk in rest.iter_any():
            yield chunk
