"""WebSocket proxying (RFC 6455): upgrade on both sides, relay frames both ways, relay the close."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl

import aiohttp
from aiohttp import WSMsgType, web
from multidict import CIMultiDict
from yarl import URL

from gateway.errors import UpstreamTimeout, UpstreamUnavailable
from gateway.http.forwarding import HOP_BY_HOP, end_to_end
from gateway.keys import RELAYED

log = logging.getLogger("gateway.websocket")

# The handshake headers are made afresh on each side.
_HANDSHAKE = frozenset(
    {"sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions", "sec-websocket-protocol"}
)
_REFUSAL_DROP = HOP_BY_HOP | {"content-length", "content-encoding", "content-type"}
# Codes that must not be sent in a close frame (RFC 6455 §7.4.1): they only report a broken connection.
_NOT_SENDABLE = frozenset({1005, 1006, 1015})
# How long the second direction may take to finish the close handshake once the first has ended.
_CLOSE_WAIT = 10.0
Socket = web.WebSocketResponse | aiohttp.ClientWebSocketResponse


def is_upgrade(request: web.BaseRequest) -> bool:
    """Whether the client asks to switch to the WebSocket protocol."""
    return "Upgrade" in request.headers and request.headers["Upgrade"].lower() == "websocket"


async def proxy_websocket(
    request: web.BaseRequest,
    http: aiohttp.ClientSession,
    url: URL,
    headers: CIMultiDict[str],
    tls: ssl.SSLContext | None = None,
) -> web.StreamResponse:
    """Open the upstream socket first, so that a refusal is still an HTTP answer for the client;
    `tls` is the route's upstream TLS (CA bundle, client certificate), the system's CAs if None."""
    protocols = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",") if p.strip()]
    for name in list(headers):
        if name.lower() in _HANDSHAKE:
            headers.popall(name, None)
    ws_url = url.with_scheme("wss" if url.scheme in ("https", "wss") else "ws")
    try:
        upstream = await http.ws_connect(
            ws_url, headers=headers, protocols=protocols, autoping=False, ssl=tls if tls is not None else True
        )
    except aiohttp.WSServerHandshakeError as exc:
        # The upstream answered without switching (401, 404, ...): the client gets that answer's
        # status and headers; its body is gone (aiohttp drops it), so nothing may describe one.
        log.info("upstream refused the websocket upgrade: %s", exc.status)
        refusal = web.Response(status=exc.status, headers=end_to_end(CIMultiDict(exc.headers or {}), _REFUSAL_DROP))
        refusal[RELAYED] = True
        return refusal
    except TimeoutError as exc:
        raise UpstreamTimeout(f"{ws_url.origin()}: websocket handshake timed out") from exc
    except aiohttp.ClientError as exc:
        raise UpstreamUnavailable(f"{ws_url.origin()}: websocket handshake failed: {exc}") from exc
    # autoclose off on both sides: a close is relayed to the other side, not answered by the gateway.
    client = web.WebSocketResponse(
        protocols=[upstream.protocol] if upstream.protocol else (), autoping=False, autoclose=False
    )
    await client.prepare(request)
    await _relay(client, upstream)
    return client


async def _pump(source: Socket, sink: Socket) -> None:
    """Copy frames from source to sink until the source ends; a close is relayed as a handshake:
    the sink gets the source's code and reason, and the source then gets the sink's answer."""
    while True:
        message = await source.receive()
        kind = message.type
        if kind is WSMsgType.TEXT:
            await sink.send_str(message.data)
        elif kind is WSMsgType.BINARY:
            await sink.send_bytes(message.data)
        elif kind is WSMsgType.PING:
            await sink.ping(message.data)
        elif kind is WSMsgType.PONG:
            await sink.pong(message.data)
        elif kind is WSMsgType.CLOSE:
            code = _sendable(message.data)
            await sink.close(code=code, message=message.extra.encode() if message.extra else b"")
            await source.close(code=_sendable(sink.close_code, code))
            return
        elif kind is WSMsgType.ERROR:
            log.info("websocket broke off: %r", message.data)
            await sink.close(code=1011)
            return
        else:
            # CLOSING or CLOSED: the other direction is closing this socket and relays the close.
            return


def _sendable(code: int | None, fallback: int = 1000) -> int:
    """A code that may go in a close frame (a missing or reserved one becomes `fallback`)."""
    return code if code and 1000 <= code < 5000 and code not in _NOT_SENDABLE else fallback


async def _relay(client: web.WebSocketResponse, upstream: aiohttp.ClientWebSocketResponse) -> None:
    """Run both directions until one side closes, then let the other finish its close handshake."""
    tasks = [asyncio.ensure_future(_pump(client, upstream)), asyncio.ensure_future(_pump(upstream, client))]
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        if pending and not any(task.exception() for task in done):
            await asyncio.wait(pending, timeout=_CLOSE_WAIT)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                try:
                    await task
                except (ConnectionError, RuntimeError, aiohttp.ClientError) as exc:
                    log.info("websocket relay ended: %r", exc)
        if not upstream.closed:
            await upstream.close(code=1001)
        if not client.closed:
            await client.close(code=1001)
