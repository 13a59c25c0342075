"""RelayedResponse writes exactly what aiohttp's own response would, byte for byte — from the
upstream's header bytes when nothing looked at them, from decoded headers when a filter did — and
leaves the connection as aiohttp expects (the next request on it is answered, `Connection: close`
ends it)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from typing import NamedTuple

import pytest
from aiohttp import http_writer, web
from multidict import CIMultiDict

from gateway.auth.private_responses import PRIVATE, mark_private
from gateway.handlers.relayed import RelayedResponse
from gateway.http.defaults import Defaults, set_defaults
from gateway.http.forwarding import response_headers
from gateway.keys import RELAYED
from gateway.ops.hygiene import on_leaving

Edit = Callable[[web.Response], None]


def _set(name: str, value: str) -> Edit:
    def edit(response: web.Response) -> None:
        response.headers[name] = value

    return edit


def _cookie(response: web.Response) -> None:
    response.set_cookie("s", "1")


class Case(NamedTuple):
    """One upstream answer (its header bytes, as llhttp gives them), the request it answers, and
    what a filter does to it before it leaves, if anything."""

    request: str  # request line and headers, before the blank line
    status: int
    reason: str
    raw: list[tuple[bytes, bytes]]
    body: bytes
    edit: Edit | None = None


GET = "GET / HTTP/1.1"
CLOSE = "GET / HTTP/1.1\r\nConnection: close"
LENGTH_5 = (b"Content-Length", b"5")
CASES = {
    "with-length": Case(GET, 200, "OK", [(b"Content-Type", b"text/plain"), LENGTH_5], b"12345"),
    "no-length-no-type": Case(GET, 200, "OK", [(b"X-A", b"1")], b"hello"),
    "empty-no-length": Case(GET, 200, "OK", [], b""),
    "zero-length": Case(GET, 200, "OK", [(b"content-length", b"0")], b""),
    "body-beyond-zero-length": Case(GET, 200, "OK", [(b"Content-Length", b"0")], b"x"),
    "head-with-length": Case("HEAD / HTTP/1.1", 200, "OK", [LENGTH_5], b""),
    "head-no-length": Case("HEAD / HTTP/1.1", 200, "OK", [], b""),
    "no-content": Case(GET, 204, "No Content", [(b"Content-Length", b"0"), (b"X-Kind", b"n")], b""),
    "not-modified": Case(GET, 304, "Not Modified", [(b"ETag", b'"v1"'), (b"Content-Length", b"9")], b""),
    "post-created": Case("POST / HTTP/1.1\r\nContent-Length: 0", 201, "Created", [(b"Location", b"/x")], b"{}"),
    "http10-keep-alive": Case("GET / HTTP/1.0\r\nConnection: keep-alive", 200, "OK", [], b"old"),
    "http10-close": Case("GET / HTTP/1.0", 200, "OK", [], b"old"),
    "client-close": Case(CLOSE, 200, "OK", [], b"bye"),
    "body-beyond-length": Case(GET, 200, "OK", [(b"Content-Length", b"3")], b"hello"),
    "empty-reason": Case(GET, 200, "", [(b"Server", b"upstream"), (b"Date", b"Mon, 1 Jan 2024")], b"x"),
    "names-in-any-case": Case(GET, 200, "OK", [(b"SERVER", b"up"), (b"date", b"d"), (b"content-TYPE", b"a/b")], b"x"),
    "hop-by-hop": Case(GET, 200, "OK", [(b"Keep-Alive", b"timeout=5"), (b"Connection", b"close"), LENGTH_5], b"12345"),
    "hops-before-zero-length": Case(GET, 200, "OK", [(b"Connection", b"keep-alive"), (b"Content-Length", b"0")], b"x"),
    "upstream-kept-alive": Case(CLOSE, 200, "OK", [(b"Connection", b"Keep-Alive")], b"x"),
    "connection-names": Case(GET, 200, "OK", [(b"Connection", b"x-foo,Close"), (b"X-Foo", b"1"), (b"X-B", b"2")], b"x"),
    "own-ratelimit": Case(GET, 200, "OK", [(b"RateLimit", b"up"), (b"X-A", b"1"), (b"ratelimit", b"again")], b"x"),
    "own-hsts-cache": Case(GET, 200, "OK", [(b"Strict-Transport-Security", b"a"), (b"cache-control", b"b")], b"x"),
    "not-utf8": Case(GET, 200, "OK", [(b"X-Name", b"caf\xe9"), (b"X-U", "ü".encode())], b"x"),
    "reason-beyond-ascii": Case(GET, 200, "Çava", [], b"x"),
    "many-of-one": Case(GET, 404, "Not Found", [(b"Set-Cookie", b"a=1"), (b"Set-Cookie", b"b=2")], b"no"),
    "filter-changes-a-header": Case(GET, 200, "OK", [(b"X-A", b"1"), LENGTH_5], b"hello", _set("x-a", "2")),
    "cookie-set-by-a-filter": Case(GET, 200, "OK", [(b"Content-Length", b"1")], b"x", _cookie),
    "injection": Case(GET, 200, "OK", [], b"x", _set("X-Bad", "a\r\nX-Evil: 1")),
    "control-in-name": Case(GET, 200, "OK", [], b"x", _set("X-\x00", "a")),
}  # fmt: skip
_DATE = re.compile(rb"\r\nDate: [^\r]*")
# What the gateway adds to every answer of its https listener, and the order it did it in before.
DEFAULTS = [("Server", "gateway"), ("Strict-Transport-Security", "max-age=63072000")]
_DEFAULTS = Defaults(DEFAULTS)
# What a ThrottlingFilter sets, in place of any field of the name.
RATE = [("RateLimit-Policy", '"default";q=9;w=1'), ("RateLimit", '"default";r=8;t=1')]


def _aiohttp_response(case: Case) -> web.Response:
    """The answer as ClientHandler built it before: aiohttp's own response, prepared by aiohttp."""
    response = web.Response(status=case.status, reason=case.reason)
    response[RELAYED] = True
    response.headers.extend(response_headers(case.raw))
    if case.body:
        response.body = case.body
    return response


def _leaving(response: web.Response, kind: str, defaults: bool) -> None:
    """What an authentication filter (`mark_private`), a throttle (its RateLimit fields, in place of
    any of their name) and the main listener (`app._own_headers`) do to every answer as it leaves,
    now and before."""
    if defaults and kind == "aiohttp":
        if "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = PRIVATE
        response.headers.update(RATE)
        for name, value in DEFAULTS:
            response.headers.setdefault(name, value)
    elif defaults:
        mark_private(response, PRIVATE)
        set_defaults(response, Defaults(RATE, replace=True))
        set_defaults(response, _DEFAULTS)
    on_leaving(response, lambda: True)


SENT: list[web.Response] = []


async def _handler(request: web.BaseRequest) -> web.StreamResponse:
    kind, defaults, name = request.path.strip("/").split("/")
    if kind == "end":
        return web.Response(text="end")
    case = CASES[name]
    response: web.Response = RelayedResponse(case.status, case.reason, list(case.raw), case.body)
    if kind == "aiohttp":
        response = _aiohttp_response(case)
    elif kind == "touched":
        assert response.headers is response.headers
    if case.edit is not None:
        case.edit(response)
    _leaving(response, kind, defaults == "defaults")
    SENT.append(response)
    return response


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, int]]:
    """A low-level aiohttp server, as the main listener is."""
    runner = web.ServerRunner(web.Server(_handler, access_log=None))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    SENT.clear()
    yield host, port
    await runner.cleanup()


async def _exchange(address: tuple[str, int], kind: str, name: str, defaults: str = "bare") -> bytes:
    """The whole byte stream answering the case and then, on the same connection, one more request."""
    case = CASES[name]
    line, _, extra = case.request.partition("\r\n")
    method, _, version = line.split(" ")
    head = f"{method} /{kind}/{defaults}/{name} {version}\r\nHost: gw\r\n" + (extra + "\r\n" if extra else "") + "\r\n"
    reader, writer = await asyncio.open_connection(*address)
    try:
        writer.write(head.encode() + b"GET /end/-/- HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n")
        return _DATE.sub(b"\r\nDate: -", await asyncio.wait_for(reader.read(-1), 10))
    finally:
        writer.close()
        await writer.wait_closed()


@pytest.mark.parametrize("defaults", ["bare", "defaults"])
@pytest.mark.parametrize("kind", ["relayed", "touched"])
@pytest.mark.parametrize("name", list(CASES))
async def test_the_same_bytes_as_aiohttp_writes(server: tuple[str, int], name: str, kind: str, defaults: str) -> None:
    ours = await _exchange(server, kind, name, defaults)
    theirs = await _exchange(server, "aiohttp", name, defaults)
    assert ours == theirs


@pytest.mark.parametrize("defaults", ["bare", "defaults"])
async def test_an_untouched_answer_is_written_from_the_upstream_bytes(server: tuple[str, int], defaults: str) -> None:
    stream = await _exchange(server, "relayed", "hop-by-hop", defaults)
    assert b"\r\nContent-Length: 5\r\n" in stream and b"Keep-Alive" not in stream
    assert (b"Strict-Transport-Security: max-age=63072000\r\n" in stream) == (defaults == "defaults")
    relayed = SENT[0]
    assert isinstance(relayed, RelayedResponse) and relayed._built is None


async def test_fields_set_in_place_of_the_upstreams_leave_one_of_each_name(server: tuple[str, int]) -> None:
    stream = await _exchange(server, "relayed", "own-ratelimit", "defaults")
    assert b"up" not in stream and b"again" not in stream
    # Where the upstream's first one was, as `headers[name] = value` does.
    assert stream.startswith(b'HTTP/1.1 200 OK\r\nRateLimit: "default";r=8;t=1\r\nX-A: 1\r\n')
    assert stream.count(b"\r\nRateLimit: ") == 1


async def test_a_filter_that_reads_the_headers_sees_them_decoded(server: tuple[str, int]) -> None:
    await _exchange(server, "touched", "not-utf8", "defaults")
    assert list(SENT[0].headers.items()) == [
        ("X-Name", "caf\udce9"), ("X-U", "ü"), ("Cache-Control", PRIVATE), *RATE, *DEFAULTS, ("Content-Length", "1"),
        ("Content-Type", "application/octet-stream"), ("Date", SENT[0].headers["Date"]),
    ]  # fmt: skip


async def test_the_next_request_on_the_connection_is_answered(server: tuple[str, int]) -> None:
    stream = await _exchange(server, "relayed", "with-length")
    assert stream.startswith(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n")
    assert stream.count(b"HTTP/1.1 200 OK") == 2 and stream.endswith(b"\r\n\r\nend")


@pytest.mark.parametrize("name", ["injection", "control-in-name"])
async def test_a_header_a_filter_added_with_a_control_character_ends_the_connection_unanswered(
    server: tuple[str, int], name: str
) -> None:
    assert await _exchange(server, "relayed", name) == b""


def test_defaults_with_a_control_character_are_left_to_aiohttps_serialiser() -> None:
    assert Defaults([("Strict-Transport-Security", "max-age=1\r\nX-Evil: 1")]).lines is None
    assert Defaults(DEFAULTS).lines is not None


def test_aiohttp_keeps_the_response_state_relayed_reads_where_it_expects() -> None:
    # If this fails, aiohttp changed the private state `gateway/handlers/relayed.py` relies on.
    response = web.Response()
    for name in ("_body", "_headers", "_status", "_reason", "_keep_alive", "_eof_sent", "_chunked", "_compression"):
        assert hasattr(response, name), name
    for name in ("_payload_writer", "_body_length", "_state"):
        assert hasattr(response, name), name
    # `on_leaving` reads `_cookies`: None until a cookie is set, and `cookies` is a view of it.
    assert response._cookies is None
    response.set_cookie("s", "1")
    assert response._cookies is response.cookies and "s" in response.cookies
    assert hasattr(web.BaseRequest, "_prepare_hook") and hasattr(web.Request, "_prepare_hook")
    assert http_writer._serialize_headers("HTTP/1.1 200 OK", CIMultiDict(A="1")) == b"HTTP/1.1 200 OK\r\nA: 1\r\n\r\n"
    relayed = RelayedResponse(200, "OK", [(b"X-A", b"1"), (b"Connection", b"close")], b"x")
    # aiohttp's own properties read `_headers`: the headers are built then, decoded.
    assert relayed.content_length == 1 and relayed._built is not None
    assert (relayed.status, relayed.reason, dict(relayed.headers), relayed.body) == (200, "OK", {"X-A": "1"}, b"x")
    assert not relayed.prepared and relayed._cookies is None
