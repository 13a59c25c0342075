"""RelayedResponse writes exactly what aiohttp's own response would, byte for byte, and leaves the
connection as aiohttp expects (the next request on it is answered, `Connection: close` ends it)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import NamedTuple

import pytest
from aiohttp import http_writer, web
from multidict import CIMultiDict

from gateway.handlers.relayed import RelayedResponse


class Case(NamedTuple):
    """One upstream answer and the request it answers."""

    request: str  # request line and headers, before the blank line
    status: int
    reason: str
    fields: list[tuple[str, str]]
    body: bytes


GET = "GET / HTTP/1.1"
CASES = {
    "with-length": Case(GET, 200, "OK", [("Content-Type", "text/plain"), ("Content-Length", "5")], b"12345"),
    "no-length-no-type": Case(GET, 200, "OK", [("X-A", "1")], b"hello"),
    "empty-no-length": Case(GET, 200, "OK", [], b""),
    "head-with-length": Case("HEAD / HTTP/1.1", 200, "OK", [("Content-Length", "5")], b""),
    "head-no-length": Case("HEAD / HTTP/1.1", 200, "OK", [], b""),
    "no-content": Case(GET, 204, "No Content", [("Content-Length", "0"), ("X-Kind", "n")], b""),
    "not-modified": Case(GET, 304, "Not Modified", [("ETag", '"v1"'), ("Content-Length", "9")], b""),
    "post-created": Case("POST / HTTP/1.1\r\nContent-Length: 0", 201, "Created", [("Location", "/x")], b"{}"),
    "http10-keep-alive": Case("GET / HTTP/1.0\r\nConnection: keep-alive", 200, "OK", [], b"old"),
    "http10-close": Case("GET / HTTP/1.0", 200, "OK", [], b"old"),
    "client-close": Case("GET / HTTP/1.1\r\nConnection: close", 200, "OK", [], b"bye"),
    "body-beyond-length": Case(GET, 200, "OK", [("Content-Length", "3")], b"hello"),
    "empty-reason": Case(GET, 200, "", [("Server", "upstream"), ("Date", "Mon, 1 Jan 2024")], b"x"),
    "not-utf8": Case(GET, 200, "OK", [("X-Name", "caf\udce9"), ("X-Ü", "ü")], b"x"),
    "many-of-one": Case(GET, 404, "Not Found", [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")], b"no"),
    "cookie-set-by-a-filter": Case(GET, 200, "OK", [("Content-Length", "1")], b"x"),
    "injection": Case(GET, 200, "OK", [("X-Bad", "a\r\nX-Evil: 1")], b"x"),
    "control-in-name": Case(GET, 200, "OK", [("X-\x00", "a")], b"x"),
}
_DATE = re.compile(rb"\r\nDate: [^\r]*")


def _aiohttp_response(case: Case) -> web.Response:
    """The answer as ClientHandler built it before: aiohttp's own response, prepared by aiohttp."""
    response = web.Response(status=case.status, reason=case.reason)
    response.headers.extend(case.fields)
    if case.body:
        response.body = case.body
    return response


async def _handler(request: web.BaseRequest) -> web.StreamResponse:
    kind, _, name = request.path.strip("/").partition("/")
    if kind == "end":
        return web.Response(text="end")
    case = CASES[name]
    response: web.Response = RelayedResponse(case.status, case.reason, list(case.fields), case.body)
    if kind != "relayed":
        response = _aiohttp_response(case)
    if name.startswith("cookie"):
        # aiohttp's own machinery writes what the fast path does not handle.
        response.set_cookie("s", "1")
    return response


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, int]]:
    """A low-level aiohttp server, as the main listener is."""
    runner = web.ServerRunner(web.Server(_handler, access_log=None))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    yield host, port
    await runner.cleanup()


async def _exchange(address: tuple[str, int], kind: str, name: str) -> bytes:
    """The whole byte stream answering the case and then, on the same connection, one more request."""
    case = CASES[name]
    line, _, extra = case.request.partition("\r\n")
    method, _, version = line.split(" ")
    head = f"{method} /{kind}/{name} {version}\r\nHost: gw\r\n" + (extra + "\r\n" if extra else "") + "\r\n"
    reader, writer = await asyncio.open_connection(*address)
    try:
        writer.write(head.encode() + b"GET /end/ HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n")
        return _DATE.sub(b"\r\nDate: -", await asyncio.wait_for(reader.read(-1), 10))
    finally:
        writer.close()
        await writer.wait_closed()


@pytest.mark.parametrize("name", list(CASES))
async def test_the_same_bytes_as_aiohttp_writes(server: tuple[str, int], name: str) -> None:
    ours = await _exchange(server, "relayed", name)
    theirs = await _exchange(server, "aiohttp", name)
    assert ours == theirs


async def test_the_next_request_on_the_connection_is_answered(server: tuple[str, int]) -> None:
    stream = await _exchange(server, "relayed", "with-length")
    assert stream.startswith(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n")
    assert stream.count(b"HTTP/1.1 200 OK") == 2 and stream.endswith(b"\r\n\r\nend")


async def test_a_header_with_a_line_break_ends_the_connection_unanswered(server: tuple[str, int]) -> None:
    assert await _exchange(server, "relayed", "injection") == b""


def test_aiohttp_keeps_the_response_state_relayed_reads_where_it_expects() -> None:
    # If this fails, aiohttp changed the private state `gateway/handlers/relayed.py` relies on.
    response = web.Response()
    for name in ("_body", "_headers", "_status", "_reason", "_keep_alive", "_eof_sent", "_chunked", "_compression"):
        assert hasattr(response, name), name
    for name in ("_cookies", "_payload_writer", "_body_length", "_state"):
        assert hasattr(response, name), name
    assert hasattr(web.BaseRequest, "_prepare_hook") and hasattr(web.Request, "_prepare_hook")
    assert http_writer._serialize_headers("HTTP/1.1 200 OK", CIMultiDict(A="1")) == b"HTTP/1.1 200 OK\r\nA: 1\r\n\r\n"
    relayed = RelayedResponse(200, "OK", [("X-A", "1")], b"x")
    assert (relayed.status, relayed.reason, relayed.headers["X-A"], relayed.body) == (200, "OK", "1", b"x")
    assert not relayed.prepared and relayed.content_length == 1
