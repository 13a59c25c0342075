"""A client connection that runs each request's handler in the connection's own task.

aiohttp's connection loop (`RequestHandler.start`) starts a new task for every request, to give each
one a copy of the context variables; the gateway keeps none, so that task is three turns of the
event loop and a task object per request for nothing. This loop awaits the same request handling
(`_handle_request`: the handler, the error answers, `prepare` and `write_eof`) in place and keeps
everything else as aiohttp does it: the same parser and its refusals, the same request objects and
response writer, pipelining and its back-pressure, the lingering read of an unread body, the
keep-alive timer, and graceful shutdown (which waits on `_handler_waiter`, set by the handling).

It reads aiohttp's private connection state (`_messages`, `_waiter`, `_parser`, `_buffer_paused`,
`_keepalive`, `_force_close`, ...); `tests/front/test_connection.py` fails if aiohttp moves it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.helpers import ceil_timeout
from aiohttp.http import RawRequestMessage
from aiohttp.http_writer import StreamWriter
from aiohttp.streams import StreamReader
from aiohttp.web_protocol import _PAYLOAD_ACCESS_ERROR, ERROR, _ErrInfo

from gateway.ops.hygiene import HardenedConnection


class LeanConnection(HardenedConnection):
    """aiohttp's connection handler, serving its requests without a task per request."""

    __slots__ = ()

    async def start(self) -> None:
        """Serve requests until the connection ends; close the transport when the loop ends by itself."""
        while not self._force_close:
            if not self._messages:
                await self._next_message()
            message, payload = self._messages.popleft()
            self._consumed()
            if not await self._serve(message, payload) or not self._keep_waiting():
                break
        if not self._force_close:
            self._task_handler = None
            if self.transport is not None:
                self.transport.close()

    async def _next_message(self) -> None:
        self._waiter = self._loop.create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    def _consumed(self) -> None:
        # Frees a parser slot; pipelined requests flow again once the queue drains to low water.
        if self._parser is not None:
            self._parser.message_consumed()
        if self._buffer_paused and len(self._messages) <= self._msg_queue_resume_size:
            self._resume_reading_if_drained()

    async def _serve(self, message: RawRequestMessage | _ErrInfo, payload: StreamReader) -> bool:
        """Handle one request; False when the connection must end (client gone, or an error)."""
        server = self._manager
        assert server is not None and self._request_handler is not None
        server.requests_count += 1
        handler: Any = self._request_handler
        if isinstance(message, _ErrInfo):
            handler, message = self._make_error_handler(message), ERROR
        writer = StreamWriter(self, self._loop)
        request = server.request_factory(message, payload, self, writer, self._task_handler)  # type: ignore[arg-type]
        try:
            response, reset = await self._handle_request(request, None, handler)
            if reset:
                return False
            self._keepalive = bool(response.keep_alive)
            if not payload.is_eof():
                await self._linger(payload)
            payload.set_exception(_PAYLOAD_ACCESS_ERROR)
        except ConnectionError:
            return False
        except asyncio.CancelledError:
            self.force_close()
            raise
        except Exception as exc:
            self.log_exception("Unhandled exception", exc_info=exc)
            self.force_close()
        except BaseException:
            self.force_close()
            raise
        finally:
            request._task = None  # type: ignore[assignment]  # no cycle through the task on errors
        return True

    async def _linger(self, payload: StreamReader) -> None:
        """Read and drop what is left of a body the handler did not read, for `lingering_time` at most."""
        loop, lingering = self._loop, self._lingering_time
        if not self._force_close and lingering:
            end = loop.time() + lingering
            try:
                while not payload.is_eof() and (now := loop.time()) < end:
                    async with ceil_timeout(end - now):
                        await payload.readany()
            except (asyncio.CancelledError, TimeoutError):
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise
        if not payload.is_eof() and not self._force_close:
            self.close()

    def _keep_waiting(self) -> bool:
        """Arm the keep-alive timer when the connection stays open for another request."""
        if not self._keepalive or self._close or self._force_close:
            return False
        close_time = self._loop.time() + self._keepalive_timeout
        self._next_keepalive_close_time = close_time
        if self._keepalive_handle is None:
            self._keepalive_handle = self._loop.call_at(close_time, self._process_keepalive)
        return True
