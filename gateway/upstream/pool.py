"""Keep-alive connections to upstreams, shared by every route of the process, and the send call."""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import AsyncIterable, Iterable
from dataclasses import dataclass

from yarl import URL

from gateway.errors import BadRequest, UpstreamTimeout, UpstreamUnavailable
from gateway.upstream.connection import Disconnected, UpstreamConnection
from gateway.upstream.head import HeaderInjection, request_head
from gateway.upstream.origin import Origin
from gateway.upstream.response import UpstreamResponse
from gateway.upstream.tls import default_client_context

# A request that met a closed keep-alive connection is sent again on a new one only if repeating
# it is harmless (RFC 9110 §9.2.2) and it has no body to replay.
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds to connect, and of silence from the upstream before a 504 (0 = none)."""

    connect: float
    read: float


class UpstreamPool:
    """Idle connections per origin (newest reused first), at most `limit` open in all (0 = no limit)."""

    def __init__(self, limit: int = 1000, keepalive: float = 60.0) -> None:
        self.limit = limit
        self.keepalive = keepalive
        self._idle: dict[Origin, list[UpstreamConnection]] = {}
        self._open = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._origins: dict[tuple[URL, ssl.SSLContext | None], Origin] = {}
        self._reaper: asyncio.TimerHandle | None = None
        self._tls: ssl.SSLContext | None = None
        self.closed = False

    def origin(self, base: URL, tls: ssl.SSLContext | None = None) -> Origin:
        """The origin of a route's baseURI (with its handler's TLS context), worked out once per URL."""
        origin = self._origins.get((base, tls))
        if origin is None:
            origin = self._origins[base, tls] = Origin.of(base, tls)
        return origin

    async def request(
        self,
        origin: Origin,
        method: str,
        target: str,
        headers: Iterable[tuple[str, str]],
        body: AsyncIterable[bytes] | None,
        length: int | None,
        timeouts: Timeouts,
    ) -> UpstreamResponse:
        """Send one request and wait for the response head; 502/504 errors for what goes wrong."""
        try:
            head = request_head(method, target, headers)
        except HeaderInjection as exc:
            raise BadRequest(str(exc)) from exc
        retry = body is None and method in _IDEMPOTENT
        while True:
            conn, reused = await self._acquire(origin, timeouts.connect)
            response = conn.start(head, body, length, method == "HEAD", timeouts.read)
            try:
                await response.wait_head()
            except Disconnected:
                # A kept-alive connection the upstream had just closed: once more on a fresh one.
                if reused and retry:
                    retry = False
                    continue
                raise
            return response

    async def _acquire(self, origin: Origin, connect_timeout: float) -> tuple[UpstreamConnection, bool]:
        if self.closed:
            raise UpstreamUnavailable("the upstream client is shut down")
        while True:
            idle = self._idle.get(origin)
            while idle:
                conn = idle.pop()
                if conn.open:
                    return conn, True
            if not self.limit or self._open < self.limit:
                break
            if not self._close_one_idle():
                waiter = asyncio.get_running_loop().create_future()
                self._waiters.append(waiter)
                try:
                    await waiter
                finally:
                    if waiter in self._waiters:
                        self._waiters.remove(waiter)
        return await self._connect(origin, connect_timeout), False

    async def _connect(self, origin: Origin, timeout: float) -> UpstreamConnection:
        loop = asyncio.get_running_loop()
        conn = UpstreamConnection(self, origin, loop)
        self._open += 1
        tls = (origin.tls or self._tls_context()) if origin.scheme == "https" else None
        try:
            async with asyncio.timeout(timeout or None):
                await loop.create_connection(
                    lambda: conn, origin.host, origin.port, ssl=tls, server_hostname=origin.host if tls else None
                )
        except TimeoutError as exc:
            self.discard(conn)
            raise UpstreamTimeout(f"{origin.scheme}://{origin.host_header}: connect timed out") from exc
        except OSError as exc:
            self.discard(conn)
            raise UpstreamUnavailable(f"{origin.scheme}://{origin.host_header}: {exc!r}") from exc
        except BaseException:
            self.discard(conn)
            raise
        return conn

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = default_client_context()
        return self._tls

    def release(self, conn: UpstreamConnection) -> None:
        """Take back a connection that can carry another request."""
        if self.closed:
            conn.close()
            return
        conn.idle_since = asyncio.get_running_loop().time()
        self._idle.setdefault(conn.origin, []).append(conn)
        if self._reaper is None:
            self._schedule_reaper()
        self._wake_one()

    def discard(self, conn: UpstreamConnection) -> None:
        """A connection closed: free its place under the limit."""
        if conn.counted:
            conn.counted = False
            self._open -= 1
            self._wake_one()

    def _wake_one(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def _close_one_idle(self) -> bool:
        for idle in self._idle.values():
            if idle:
                idle.pop(0).close()
                return True
        return False

    def _schedule_reaper(self) -> None:
        loop = asyncio.get_running_loop()
        self._reaper = loop.call_later(min(self.keepalive, 5.0), self._reap)

    def _reap(self) -> None:
        self._reaper = None
        deadline = asyncio.get_running_loop().time() - self.keepalive
        left = False
        for idle in self._idle.values():
            # Oldest first: the list is appended to and reused from its end.
            stale = 0
            while stale < len(idle) and (idle[stale].idle_since <= deadline or not idle[stale].open):
                stale += 1
            for conn in idle[:stale]:
                conn.close()
            del idle[:stale]
            left = left or bool(idle)
        if left and not self.closed:
            self._schedule_reaper()

    @property
    def open_connections(self) -> int:
        """Connections open now, idle or busy."""
        return self._open

    async def close(self) -> None:
        """Close every idle connection; busy ones close when their response ends."""
        self.closed = True
        if self._reaper is not None:
            self._reaper.cancel()
            self._reaper = None
        for idle in self._idle.values():
            for conn in idle:
                conn.close()
        self._idle.clear()
        # Let the transports report their closing before the loop goes away.
        await asyncio.sleep(0)
