"""The lean connection loop: each request handled in the connection's own task, with aiohttp's
semantics kept (order of pipelined answers, error answers, unread bodies, graceful shutdown)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from gateway.front.connection import LeanConnection
from tests.support.upstream import RawResponse, read_response

# What the loop reads and calls of aiohttp's connection handler: if aiohttp renames one, this fails.
_PRIVATE = (
    "_messages", "_waiter", "_parser", "_buffer_paused", "_msg_queue_resume_size", "_keepalive",
    "_force_close", "_close", "_keepalive_handle", "_next_keepalive_close_time", "_keepalive_timeout",
    "_lingering_time", "_task_handler", "_request_handler", "_manager",
)  # fmt: skip
_METHODS = ("_resume_reading_if_drained", "_process_keepalive", "_handle_request", "_make_error_handler")


class _LeanServer(web.Server):
    def __call__(self) -> RequestHandler:
        return LeanConnection(self, loop=self._loop, **self._kwargs)


async def _answer(request: web.BaseRequest) -> web.StreamResponse:
    if request.path == "/boom":
        raise RuntimeError("handler failed")
    if request.path.startswith("/slow"):
        await asyncio.sleep(0.3)
    if request.path == "/read":
        return web.Response(text=f"read {len(await request.read())}")
    return web.Response(text=f"{request.method} {request.path} {asyncio.current_task() is request.task}")


@pytest.fixture
async def lean() -> AsyncIterator[tuple[str, int, web.ServerRunner]]:
    runner = web.ServerRunner(_LeanServer(_answer, access_log=None), shutdown_timeout=5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    yield host, port, runner
    await runner.cleanup()


async def _answer_then_end(host: str, port: int, sent: bytes) -> RawResponse:
    """The one answer to `sent` on a new connection, which the server must then close."""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(sent)
    answer = await read_response(reader)
    assert await asyncio.wait_for(reader.read(), 5) == b""
    writer.close()
    return answer


async def test_the_loop_finds_the_aiohttp_state_it_reads() -> None:
    handler = RequestHandler(web.Server(_answer), loop=asyncio.get_running_loop())
    for name in _PRIVATE:
        assert hasattr(handler, name), name
    for name in _METHODS:
        assert callable(getattr(RequestHandler, name)), name


async def test_pipelined_requests_are_answered_in_order_by_the_connections_own_task(
    lean: tuple[str, int, web.ServerRunner],
) -> None:
    host, port, _ = lean
    reader, writer = await asyncio.open_connection(host, port)
    heads = b"".join(f"GET /{n} HTTP/1.1\r\nHost: x\r\n\r\n".encode() for n in ("slow", "b", "c"))
    writer.write(heads)
    bodies = [(await read_response(reader)).body for _ in range(3)]
    writer.close()
    assert bodies == [b"GET /slow True", b"GET /b True", b"GET /c True"]


async def test_a_failing_handler_gets_a_500_and_its_connection_ends_as_aiohttps_does(
    lean: tuple[str, int, web.ServerRunner],
) -> None:
    host, port, _ = lean
    failed = await _answer_then_end(
        host, port, b"GET /boom HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    assert failed.status == 500
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(b"GET /after HTTP/1.1\r\nHost: x\r\n\r\n")
    after = await read_response(reader)
    writer.close()
    assert (after.status, after.body) == (200, b"GET /after True")


async def test_an_unparsable_request_gets_a_400_and_the_connection_closes(
    lean: tuple[str, int, web.ServerRunner],
) -> None:
    host, port, _ = lean
    ambiguous = b"GET /a HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
    response = await _answer_then_end(host, port, ambiguous)
    assert response.status == 400


async def test_a_body_the_handler_left_unread_is_drained_before_the_next_request(
    lean: tuple[str, int, web.ServerRunner],
) -> None:
    host, port, _ = lean
    reader, writer = await asyncio.open_connection(host, port)
    body = b"x" * 100_000
    writer.write(b"POST /ignored HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    writer.write(b"POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
    first, second = await read_response(reader), await read_response(reader)
    writer.close()
    assert first.body == b"POST /ignored True"
    assert second.body == b"read 3"


async def test_shutdown_lets_a_request_in_flight_finish(lean: tuple[str, int, web.ServerRunner]) -> None:
    host, port, runner = lean
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(b"GET /slow-shutdown HTTP/1.1\r\nHost: x\r\n\r\n")
    await asyncio.sleep(0.1)  # the request is being handled
    cleanup = asyncio.create_task(runner.cleanup())
    response = await read_response(reader)
    await cleanup
    writer.close()
    assert (response.status, response.body) == (200, b"GET /slow-shutdown True")
