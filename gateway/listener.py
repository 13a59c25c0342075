"""The main listener's client connections: a deadline for every request head and a cap on the
connections one client address holds open.

aiohttp's own keep-alive timer already ends a connection that sends nothing (at its start, and
between requests); what it does not end is one that trickles a head a byte at a time. Each
connection here holds one timer, armed by the first bytes of a head and cancelled when the head is
parsed: nothing is done per byte, and a request body or a websocket never arms it.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from gateway.front.connection import LeanConnection

if TYPE_CHECKING:
    from prometheus_client import Counter

    from gateway.settings import LimitsSettings


def _plain(status: str, text: str) -> bytes:
    body = text.encode()
    fields = [
        "Server: gateway", "Content-Type: text/plain; charset=utf-8", "X-Content-Type-Options: nosniff",
        "Cache-Control: no-store", f"Content-Length: {len(body)}", "Connection: close",
    ]  # fmt: skip
    return (f"HTTP/1.1 {status}\r\n" + "\r\n".join(fields) + "\r\n\r\n").encode() + body


# Written straight to the transport: these connections never reach a handler.
_BUSY = _plain("503 Service Unavailable", "Too many connections from this address.\n")
_LATE = _plain("408 Request Timeout", "The request head was not sent in time.\n")


class Listener(web.Server):
    """aiohttp's low-level server whose connections obey the `limits` of gateway.yaml."""

    def __init__(self, handler: Any, limits: LimitsSettings, refused: Counter, **kwargs: Any) -> None:
        super().__init__(handler, keepalive_timeout=limits.keepAliveTimeout, **kwargs)
        self.head_timeout = limits.headerTimeout
        self.per_address = limits.maxConnectionsPerAddress
        self.by_address: dict[str, int] = {}
        # Labelled once: a refusal then costs one increment.
        self.refused_busy = refused.labels("per_address_cap")
        self.refused_late = refused.labels("head_timeout")

    def __call__(self) -> RequestHandler:
        """One connection's protocol (asyncio calls this per accepted connection)."""
        return _Connection(self, loop=self._loop, **self._kwargs)

    def admit(self, address: str) -> bool:
        """Count a new connection from `address`, or refuse it when the address is at the cap."""
        held = self.by_address.get(address, 0)
        if self.per_address and held >= self.per_address:
            self.refused_busy.inc()
            return False
        self.by_address[address] = held + 1
        return True

    def release(self, address: str) -> None:
        """Forget one connection from `address`."""
        held = self.by_address.pop(address, 1) - 1
        if held > 0:
            self.by_address[address] = held


class _Connection(LeanConnection):
    """A client connection with a head deadline, counted against its address; aiohttp's own error
    answers carry the gateway's headers, its requests served in its own task (`LeanConnection`)."""

    __slots__ = ("_address", "_head_timer", "_listener")

    def __init__(self, listener: Listener, **kwargs: Any) -> None:
        super().__init__(listener, **kwargs)
        self._listener = listener
        self._address: str | None = None
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Refuse at once over the address's cap, else serve."""
        peer = transport.get_extra_info("peername")
        address = peer[0] if isinstance(peer, tuple) else None
        if address is not None and not self._listener.admit(address):
            assert isinstance(transport, asyncio.WriteTransport)
            self._manager = None  # connection_lost then has nothing to undo
            transport.write(_BUSY)
            transport.close()
            return
        self._address = address
        super().connection_made(transport)

    def connection_lost(self, exc: BaseException | None) -> None:
        """Release the address's slot and the timer."""
        if self._address is not None:
            self._listener.release(self._address)
            self._address = None
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Arm the deadline on the first bytes of a head; cancel it once the head is parsed."""
        if self._head_timer is None and self._awaiting_head():
            self._head_timer = self._loop.call_later(self._listener.head_timeout, self._head_late)
        super().data_received(data)
        if self._head_timer is not None and self._messages:
            self._head_timer.cancel()
            self._head_timer = None

    def _awaiting_head(self) -> bool:
        # Between requests the server waits on `_waiter`; before the first one, nothing was parsed yet.
        waiter = self._waiter
        return (waiter is not None and not waiter.done()) or (self._request_count == 0 and not self._messages)

    def _head_late(self) -> None:
        self._head_timer = None
        if self.transport is not None and self._awaiting_head():
            self._listener.refused_late.inc()
            self.transport.write(_LATE)
            self.force_close()
