"""Header-only records: the text they render is the text a full message renders, and taking them
never holds traffic up."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import aiohttp
import pytest
from aiohttp import HttpVersion
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from gateway.capture.format import render_text
from gateway.capture.heads import render_request, render_response
from gateway.capture.masks import DEFAULT_HEADERS, Masks
from gateway.capture.message import Entity, Message
from gateway.capture.relayedheads import RelayedHeads
from gateway.capturing.install import CAPTURE
from gateway.handlers.relayed import RelayedResponse
from gateway.http.defaults import Defaults, built
from tests.capture.conftest import capture_file, parse_text, read_file, settled, text_records
from tests.capture.test_files import dropped
from tests.support.gateway import running_gateway, write_route
from tests.support.upstream import Upstream, proxy_route

HEADER_SETS = [
    [],
    [("Host", "app.example.com"), ("Accept", "*/*")],
    # Credentials, a folded value, and bytes that are not UTF-8 as aiohttp decodes them.
    [("Authorization", "Bearer t"), ("X-Api-Key", "k"), ("X-Fold", "one\r\n two"), ("X-Raw", "caf\udce9")],
    # A repeated name, in two spellings.
    [("Set-Cookie", "a=1"), ("Content-Type", "text/plain"), ("set-cookie", "b=2"), ("Cookie", "c")],
]


@pytest.mark.parametrize("pairs", HEADER_SETS)
@pytest.mark.parametrize("entity", [False, True])
@pytest.mark.parametrize("masks", [Masks.compile(DEFAULT_HEADERS), Masks.compile(["x-.*"], "[x]"), Masks([])])
def test_head_records_render_byte_for_byte_as_full_messages(
    pairs: list[tuple[str, str]], entity: bool, masks: Masks
) -> None:
    headers = CIMultiDictProxy(CIMultiDict(pairs))
    marker = Entity.UNCAPTURED if entity else Entity.NONE
    for version in (HttpVersion(1, 1), HttpVersion(1, 0)):
        head = ("id-1", "request", "GET", "http", "gw:8080", "/a?b=%20", version, headers, entity)
        text = f"HTTP/{version.major}.{version.minor}"
        full = Message("id-1", "request", "r", "s", pairs, method="GET", uri="http://gw:8080/a?b=%20", version=text)
        full.entity = marker
        for _ in range(2):  # the second time from the cached plan
            assert render_request(masks, head).encode("utf-8", "replace") == render_text(full, masks).encode(
                "utf-8", "replace"
            )
    for reason in ("OK", ""):
        answer = ("id-1", "response", 200, reason, headers.copy(), entity)
        full = Message("id-1", "response", "r", "s", pairs, status=200, reason=reason, entity=marker)
        assert render_response(masks, RelayedHeads(masks), answer) == render_text(full, masks)


async def test_a_later_edit_of_the_request_headers_stays_out_of_an_earlier_record(
    routes_dir: Path, upstream: Upstream, capture_dir: Path, http: aiohttp.ClientSession
) -> None:
    def adds(name: str) -> dict[str, object]:
        config = {"messageType": "REQUEST", "add": {name: "yes"}}
        return {"name": name, "type": "HeaderFilter", "config": config, "capture": ["filtered_request"]}

    route = {
        "name": "edits",
        "baseURI": upstream.url,
        "heap": [adds("X-One"), adds("X-Two")],
        "handler": {"type": "Chain", "config": {"filters": ["X-One", "X-Two"], "handler": "ClientHandler"}},
    }
    write_route(routes_dir, "10-edits.json", route)
    async with running_gateway(routes_dir, capture={"dir": str(capture_dir)}) as gw:
        async with http.get(f"{gw.url}/e") as r:
            assert r.status == 200
        first, second = await text_records(gw, capture_dir, "edits", 2)
    assert (first.header("X-One"), first.header("X-Two")) == (["yes"], [])
    assert (second.header("X-One"), second.header("X-Two")) == (["yes"], ["yes"])


async def test_header_bytes_that_are_not_utf8_are_written_as_before(
    routes_dir: Path, upstream: Upstream, capture_dir: Path
) -> None:
    write_route(routes_dir, "10-app.json", {**proxy_route(upstream.url), "name": "app", "capture": "all"})
    async with running_gateway(routes_dir, capture={"dir": str(capture_dir)}) as gw:
        url = URL(gw.url)
        reader, writer = await asyncio.open_connection(url.host, url.port)
        writer.write(b"GET /raw HTTP/1.1\r\nHost: gw\r\nX-Raw: caf\xe9 ok\r\nConnection: close\r\n\r\n")
        await writer.drain()
        assert (await reader.read()).startswith(b"HTTP/1.1 200 ")
        writer.close()
        text = await read_file(gw, capture_file(capture_dir, "app"), 2)
    assert "\nX-Raw: caf? ok\n" in text


class _Stuck:
    """RouteFiles whose writes wait until released: the writer thread is busy, the queue fills up."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.records = 0

    def append(self, route: str, data: bytes) -> None:
        self.release.wait(30)
        self.records += data.count(b" id:")

    def close(self) -> None:
        pass


async def test_a_burst_larger_than_the_queue_is_dropped_and_counted_while_every_request_is_answered(
    routes_dir: Path, upstream: Upstream, capture_dir: Path, http: aiohttp.ClientSession
) -> None:
    write_route(routes_dir, "10-app.json", {**proxy_route(upstream.url), "name": "app", "capture": "all"})
    async with running_gateway(routes_dir, capture={"dir": str(capture_dir)}) as gw:
        capture = gw.runtime.services.feature(CAPTURE)
        stuck = _Stuck()
        capture.writer._files, capture.writer._capacity = stuck, 4

        async def one(n: int) -> int:
            async with http.get(f"{gw.url}/burst/{n}") as r:
                await r.read()
                return r.status

        assert await asyncio.gather(*(one(n) for n in range(40))) == [200] * 40
        stuck.release.set()
        await settled(gw)
        lost = await dropped(http, gw.admin, "queue_full")
    assert lost >= 80 - 8  # what waits in the queue, and at most a queue's worth the writer took
    assert lost + stuck.records == 80


@pytest.mark.parametrize("masks", [Masks.compile(DEFAULT_HEADERS), Masks([])])
def test_a_relayed_answer_nothing_has_read_is_recorded_as_its_headers_will_be_built(masks: Masks) -> None:
    raw = [
        (b"Content-Type", b"text/plain"), (b"Connection", b"x-hop"), (b"X-Hop", b"gone"),
        (b"Set-Cookie", b"a=1"), (b"X-Raw", b"caf\xe9"), (b"set-cookie", b"b=2"),
    ]  # fmt: skip
    answer = RelayedResponse(200, "OK", list(raw), b"body")
    answer.set_defaults(Defaults([("Server", "gateway"), ("Content-Type", "never")]))
    unbuilt = answer.unbuilt()
    assert unbuilt is not None
    twin = RelayedResponse(200, "OK", list(raw), b"body")
    twin.set_defaults(Defaults([("Server", "gateway"), ("Content-Type", "never")]))
    relayed = RelayedHeads(masks)
    expected = render_response(masks, relayed, ("id-1", "response", 200, "OK", twin.headers.copy(), True))
    assert render_response(masks, relayed, ("id-1", "response", 200, "OK", unbuilt, True)) == expected
    assert answer.unbuilt() is not None  # recording left the answer to be written from the bytes
    assert "X-Hop" not in expected
    assert "Server: gateway" in expected


_NGINX = [
    (b"Server", b"nginx/1.22.1"), (b"Date", b"Mon, 07 Dec 2026 19:00:00 GMT"), (b"Content-Type", b"text/plain"),
    (b"Content-Length", b"1024"), (b"Connection", b"keep-alive"), (b"ETag", b'"6575-400"'),
]  # fmt: skip
# Upstream fields as llhttp gives them, and whether they can be rendered from their bytes.
RAW_SETS = [
    ([], True),
    (_NGINX, True),
    # Hop-by-hop fields, a Connection naming only those, repeated and masked names, odd spellings.
    (
        [
            (b"Transfer-Encoding", b"chunked"), (b"connection", b"Keep-Alive, TE"), (b"Set-Cookie", b"a=1"),
            (b"x-api-key", b"k"), (b"set-cookie", b"b=2"), (b"SERVER", b"s"), (b"Keep-Alive", b"timeout=5"),
        ],
        True,
    ),
    # Values that are not UTF-8 (cut short, too), a folded one, an empty one, a per cent sign.
    ([(b"X-Raw", b"caf\xe9"), (b"X-Cut", b"\xe2\x82"), (b"X-Fold", b"one\r\n two"), (b"X-Empty", b"")], True),
    ([(b"X-1%s", b"%s%%"), (b"Connection", b"close")], True),
    ([(b"Cookie", b"c")], True),
    # A Connection header naming a field to drop, twice; a name beyond ASCII.
    ([(b"Connection", b"close"), (b"X-Hop", b"gone"), (b"Connection", b"x-hop"), (b"Vary", b"*")], False),
    ([(b"X-Caf\xe9", b"1"), (b"Server", b"s")], False),
]  # fmt: skip
DEFAULT_SETS = [
    (),
    (Defaults([("Server", "gateway"), ("Strict-Transport-Security", "max-age=63072000")]),),
    (
        Defaults([("content-type", "never"), ("Set-Cookie", "d=1"), ("X-Twice", "1"), ("x-twice", "2")]),
        Defaults([("Cache-Control", "private"), ("X-50%", "3%s"), ("X-TWICE", "3")]),
    ),
]


@pytest.mark.parametrize(("raw", "plain"), RAW_SETS)
@pytest.mark.parametrize("given", DEFAULT_SETS)
@pytest.mark.parametrize("masks", [Masks.compile(DEFAULT_HEADERS), Masks.compile(["x-.*"], "\u2022"), Masks([])])
def test_an_unbuilt_answer_renders_from_its_bytes_as_from_its_built_headers(
    raw: list[tuple[bytes, bytes]], plain: bool, given: tuple[Defaults, ...], masks: Masks
) -> None:
    relayed = RelayedHeads(masks)
    expected = masks.block(built((raw, given)))
    for _ in range(2):  # the second time from the cached plans
        assert relayed.block((raw, given)) == expected
        assert (relayed._from_bytes((raw, given)) is not None) == plain
    for odd in (
        (*given, Defaults([("Server", "mine"), ("X-New", "1")], replace=True)),
        (Defaults([("RateLimit", '"default";r=1;t=1'), ("Vary", "x")], replace=True),),
    ):
        assert relayed.block((raw, odd)) == masks.block(built((raw, odd)))
        assert relayed._from_bytes((raw, odd)) is None


@pytest.mark.parametrize("point", ["request", "response"])
async def test_a_route_capturing_one_point_writes_that_record_alone(
    routes_dir: Path, upstream: Upstream, capture_dir: Path, http: aiohttp.ClientSession, point: str
) -> None:
    write_route(routes_dir, "10-app.json", {**proxy_route(upstream.url), "name": "app", "capture": [point]})
    async with running_gateway(routes_dir, capture={"dir": str(capture_dir)}) as gw:
        for n in range(2):
            async with http.get(f"{gw.url}/one/{n}") as r:
                assert r.status == 200
        await settled(gw)
        records = parse_text(capture_file(capture_dir, "app").read_text(encoding="utf-8"))
    assert [(record.kind, record.point) for record in records] == [(point, point)] * 2
    assert records[0].id != records[1].id
