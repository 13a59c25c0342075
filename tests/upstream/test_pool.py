"""The proxy's upstream client against loopback servers that answer exactly what each test writes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from gateway.errors import BadRequest, UpstreamTimeout, UpstreamUnavailable
from gateway.upstream.pool import Timeouts, UpstreamPool
from tests.upstream.scripted import Script, Scripted, ok, pooled

TIMEOUTS = Timeouts(connect=5.0, read=5.0)
GET = [("Host", "upstream")]


async def send(
    pool: UpstreamPool, up: Scripted, method: str = "GET", target: str = "/", **kw: object
) -> tuple[int, bytes]:
    """One exchange: status and whole body."""
    response = await pool.request(
        up.origin, method, target, kw.pop("headers", GET), kw.pop("body", None), kw.pop("length", None),
        kw.pop("timeouts", TIMEOUTS),
    )  # fmt: skip
    body = await response.read()
    response.close()
    return response.status, body


async def keep_answering(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, up: Scripted) -> None:
    while True:
        await up.read_head(reader)
        writer.write(ok())
        await writer.drain()


async def test_keep_alive_connection_carries_the_next_request() -> None:
    async with pooled(keep_answering) as (up, pool):
        assert await send(pool, up) == (200, b"ok")
        assert await send(pool, up) == (200, b"ok")
        assert up.connections == 1
        assert up.heads[0] == b"GET / HTTP/1.1\r\nHost: upstream\r\n\r\n"


async def one_answer_then_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, up: Scripted) -> None:
    await up.read_head(reader)
    writer.write(ok())
    await writer.drain()
    # Read the next head, then hang up without answering: the race a keep-alive timeout causes.
    await up.read_head(reader)


async def test_stale_keep_alive_connection_is_retried_once_for_an_idempotent_request() -> None:
    async with pooled(one_answer_then_close) as (up, pool):
        assert await send(pool, up) == (200, b"ok")
        assert await send(pool, up) == (200, b"ok")
        assert up.connections == 2


async def test_post_on_a_stale_connection_is_not_sent_twice() -> None:
    async with pooled(one_answer_then_close) as (up, pool):
        await send(pool, up)
        with pytest.raises(UpstreamUnavailable, match="before answering"):
            await send(pool, up, "POST", headers=[*GET, ("Content-Length", "0")], length=0)
        assert len(up.heads) == 2


async def test_interim_responses_are_skipped() -> None:
    async def early_hints(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, up: Scripted) -> None:
        await up.read_head(reader)
        writer.write(b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n" + ok(b"final"))
        await writer.drain()
        await reader.read()

    async with pooled(early_hints) as (up, pool):
        assert await send(pool, up) == (200, b"final")


async def test_head_response_announcing_a_length_has_no_body_and_the_connection_is_reused() -> None:
    async def head_then_get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, up: Scripted) -> None:
        await up.read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        await writer.drain()
        await keep_answering(reader, writer, up)

    async with pooled(head_then_get) as (up, pool):
        assert await send(pool, up, "HEAD") == (200, b"")
        assert await send(pool, up) == (200, b"ok")
        assert up.connections == 1


async def test_body_without_length_ends_when_the_upstream_closes() -> None:
    async def until_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, up: Scripted) -> None:
        await up.read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it")
        await writer.drain()

    async with pooled(until_close) as (up, pool):
        assert await send(pool, up) == (200, b"all of it")
        assert await send(pool, up) == (200, b"all of it")
        assert up.connections == 2


def answer(raw: bytes, *, then_close: bool = False) -> Script:
    """A server that reads one request head, writes `raw`, then hangs up or waits for the client to."""

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, up: Scripted) -> None:
        await up.read_head(reader)
        writer.write(raw)
        await writer.drain()
        if not then_close:
            await reader.read()

    return script


@pytest.mark.parametrize(
    "script, error, match",
    [
        pytest.param(
            answer(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", then_close=True),
            UpstreamUnavailable, "mid-response", id="body-cut-short",
        ),
        pytest.param(
            answer(b"HTTP/1.1 200 OK\r\nContent-Length: nope\r\n\r\n"), UpstreamUnavailable, "bad response",
            id="unparsable",
        ),
        pytest.param(answer(b""), UpstreamTimeout, r"0\.2 s", id="silent-past-the-read-timeout"),
    ],
)  # fmt: skip
async def test_a_broken_answer_is_an_error_never_a_response(script: Script, error: type[Exception], match: str) -> None:
    async with pooled(script) as (up, pool):
        with pytest.raises(error, match=match):
            await send(pool, up, timeouts=Timeouts(connect=5.0, read=0.2))


async def test_bytes_after_the_response_make_the_connection_unusable() -> None:
    async def extra(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, up: Scripted) -> None:
        await up.read_head(reader)
        writer.write(ok() + b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale")
        await writer.drain()
        await keep_answering(reader, writer, up)

    async with pooled(extra) as (up, pool):
        assert await send(pool, up) == (200, b"ok")
        await asyncio.sleep(0.05)
        # The smuggled second response must never be read as the answer to the next request.
        assert await send(pool, up) == (200, b"ok")
        assert up.connections == 2


@pytest.mark.parametrize("name, value", [("X-User", "alice\r\nX-Admin: yes"), ("X-Bad\n", "v"), ("X", "nul\x00")])
async def test_header_injection_is_refused_before_anything_is_sent(name: str, value: str) -> None:
    async with pooled(keep_answering) as (up, pool):
        with pytest.raises(BadRequest, match="control character"):
            await send(pool, up, headers=[*GET, (name, value)])
        assert up.connections == 0


async def test_request_body_is_sent_chunked_without_a_length() -> None:
    async def echo_chunked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, up: Scripted) -> None:
        await up.read_head(reader)
        body = await reader.readuntil(b"0\r\n\r\n")
        writer.write(ok(body))
        await writer.drain()
        await reader.read()

    async def parts() -> AsyncIterator[bytes]:
        yield b"hello "
        yield b"world"

    async with pooled(echo_chunked) as (up, pool):
        status, body = await send(pool, up, "POST", headers=[*GET, ("Transfer-Encoding", "chunked")], body=parts())
        assert (status, body) == (200, b"6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n")


async def test_answer_before_the_whole_body_closes_the_connection() -> None:
    release = asyncio.Event()

    async def early_413(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, up: Scripted) -> None:
        await up.read_head(reader)
        writer.write(b"HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        await reader.read()

    async def slow() -> AsyncIterator[bytes]:
        yield b"x" * 10
        await release.wait()
        yield b"y" * 10

    async with pooled(early_413) as (up, pool):
        headers = [*GET, ("Content-Length", "20")]
        assert await send(pool, up, "POST", headers=headers, body=slow(), length=20) == (413, b"")
        release.set()
        await asyncio.sleep(0.05)
        assert pool.open_connections == 0


async def test_pool_limit_makes_the_next_request_wait_for_a_free_connection() -> None:
    async with pooled(keep_answering, limit=1) as (up, pool):
        results = await asyncio.gather(*(send(pool, up) for _ in range(5)))
        assert results == [(200, b"ok")] * 5
        assert up.connections == 1


async def test_idle_connections_are_closed_after_the_keepalive() -> None:
    async with pooled(keep_answering, keepalive=0.1) as (up, pool):
        await send(pool, up)
        assert pool.open_connections == 1
        await asyncio.sleep(0.4)
        assert pool.open_connections == 0


async def test_large_body_streams_with_the_socket_paused_while_the_reader_lags() -> None:
    size = 8 * 1024 * 1024

    async def big(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, up: Scripted) -> None:
        await up.read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
        for _ in range(size // 65536):
            writer.write(b"z" * 65536)
            await writer.drain()
        await reader.read()

    async with pooled(big) as (up, pool):
        response = await pool.request(up.origin, "GET", "/", GET, None, None, TIMEOUTS)
        received = 0
        async for chunk in response.iter_chunks():
            received += len(chunk)
            if received < 1024 * 1024:
                # A slow reader: the backlog must stay bounded by the high-water mark.
                await asyncio.sleep(0.001)
                assert response._buffered <= 512 * 1024
        assert received == size


async def test_endless_response_head_is_refused_at_the_limit() -> None:
    async def endless(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, up: Scripted) -> None:
        await up.read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\n")
        for n in range(100_000):
            writer.write(b"X-Filler-%d: %s\r\n" % (n, b"f" * 100))
            await writer.drain()

    async with pooled(endless) as (up, pool):
        with pytest.raises(UpstreamUnavailable, match="response head exceeds"):
            await send(pool, up)
