"""WebSocket proxying (RFC 6455): upgrade on both sides, relay frames both ways, relay the close."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from aiohttp import WSMsgType, web
from multidict import CIMultiDict
from yarl import URL

from gateway.errors import UpstreamTimeout, UpstreamUnavailable

log = logging.getLogger("gateway.websocket")

# The handshake headers are made afresh on each side.
_HANDSHAKE = frozenset(
    {"sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions", "sec-websocket-protocol"}
)


def is_upgrade(request: web.BaseRequest) -> bool:
    """Whether the client asks to switch to the WebSocket protocol."""
    return request.headers.get("Upgrade", "").lower() == "websocket"


async def proxy_websocket(
    request: web.BaseRequest, http: aiohttp.ClientSession, url: URL, headers: CIMultiDict[str]
) -> web.StreamResponse:
    """Open the upstream socket first, so that a refusal is still an HTTP error for the client."""
    protocols = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",") if p.strip()]
    for name in list(headers):
        if name.lower() in _HANDSHAKE:
            headers.popall(name, None)
    ws_url = url.with_scheme("wss" if url.scheme in ("https", "wss") else "ws")
    try:
        upstream = await http.ws_connect(ws_url, headers=headers, protocols=protocols, autoping=False)
    except TimeoutError as exc:
        raise UpstreamTimeout(f"{ws_url.origin()}: websocket handshake timed out") from exc
    except aiohttp.ClientError as exc:
        raise UpstreamUnavailable(f"{ws_url.origin()}: websocket handshake failed: {exc}") from exc
    client = web.WebSocketResponse(protocols=[upstream.protocol] if upstream.protocol else (), autoping=False)
    await client.prepare(request)
    await _relay(client, upstream)
    return client


async def _pump(source: web.WebSocketResponse | aiohttp.ClientWebSocketResponse,
                sink: web.WebSocketResponse | aiohttp.ClientWebSocketResponse) -> None:
    async for message in source:
        if message.type == WSMsgType.TEXT:
            await sink.send_str(message.data)
        elif message.type == WSMsgType.BINARY:
            await sink.send_bytes(message.data)
        elif message.type == WSMsgType.PING:
            await sink.ping(message.data)
        elif message.type == WSMsgType.PONG:
            await sink.pong(message.data)
    code = source.close_code or 1000
    if not sink.closed:
        await sink.close(code=code if code != 1006 else 1011)


async def _relay(client: web.WebSocketResponse, upstream: aiohttp.ClientWebSocketResponse) -> None:
    tasks = [asyncio.ensure_future(_pump(client, upstream)), asyncio.ensure_future(_pump(upstream, client))]
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            await asyncio.wait_for(asyncio.shield(task), timeout=5)
    except (TimeoutError, ConnectionError) as exc:
        log.info("websocket relay ended: %r", exc)
    finally:
        for task in tasks:
            task.cancel()
        if not upstream.closed:
            await upstream.close()
        if not client.closed:
            await client.close()
