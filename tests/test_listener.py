"""Slow and greedy clients on the main listener: a head trickled byte by byte is cut at the head
deadline (on the first request and on later ones of a kept-alive connection), a slow body is not,
one address cannot hold more than its share of connections, and a thousand tricklers do not keep a
normal client from being served."""

from __future__ import annotations

import asyncio
import resource
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.gateway import GatewayHandle, running_gateway, write_route
from tests.support.upstream import Upstream, proxy_route, raw_request, read_response

Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]
# Far longer than any deadline under test: only the gateway's deadline can end the trickle.
HEAD = b"GET / HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"p" * 400 + b"\r\n\r\n"


@pytest.fixture
async def gateway(routes_dir: Path, upstream: Upstream) -> AsyncIterator[GatewayHandle]:
    """A gateway with a 1.5 s head deadline and two connections per address, proxying to `upstream`."""
    write_route(routes_dir, "10-all.json", proxy_route(upstream.url))
    limits = {"headerTimeout": 1.5, "maxConnectionsPerAddress": 2}
    async with running_gateway(routes_dir, limits=limits) as handle:
        yield handle


async def _connect(gateway: GatewayHandle, source: str = "127.0.0.1") -> Stream:
    host, _, port = gateway.url.removeprefix("http://").rpartition(":")
    return await asyncio.open_connection(host, int(port), local_addr=(source, 0))


async def _trickle(stream: Stream, data: bytes, pause: float = 0.5) -> tuple[int, bytes]:
    """Send `data` one byte every `pause` seconds until the server answers: the bytes sent, the first read."""
    reader, writer = stream
    answered = asyncio.ensure_future(reader.read(1))
    sent = 0
    try:
        while sent < len(data) and not answered.done():
            writer.write(data[sent : sent + 1])
            sent += 1
            await asyncio.wait([answered], timeout=pause)
    except ConnectionError:
        pass
    await asyncio.wait([answered], timeout=30)
    return sent, answered.result() if answered.done() else b""


def _refused(gateway: GatewayHandle, reason: str) -> float:
    registry = gateway.runtime.services.metrics.registry
    return float(registry.get_sample_value("gateway_connections_refused_total", {"reason": reason}) or 0)


async def test_a_connection_that_sends_nothing_is_closed_after_the_keep_alive_timeout(routes_dir: Path) -> None:
    write_route(routes_dir, "10-hello.json", {"handler": {"type": "StaticResponseHandler", "config": {"status": 200}}})
    async with running_gateway(routes_dir, limits={"keepAliveTimeout": 0.5}) as gateway:
        reader, writer = await _connect(gateway)
        closed = await asyncio.wait_for(reader.read(), timeout=30)
        writer.close()
    assert closed == b""


@pytest.mark.parametrize("earlier", [0, 1], ids=["first-request", "kept-alive"])
async def test_a_trickled_head_is_cut_at_the_head_deadline(gateway: GatewayHandle, earlier: int) -> None:
    reader, writer = await _connect(gateway)
    for _ in range(earlier):
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert (await read_response(reader)).status == 200
    sent, first = await _trickle((reader, writer), HEAD)
    rest = await asyncio.wait_for(reader.read(), timeout=30)
    writer.close()
    assert sent < len(HEAD)
    assert (first + rest).startswith(b"HTTP/1.1 408 ")
    assert b"\r\nServer: gateway\r\n" in first + rest
    assert _refused(gateway, "head_timeout") == 1


async def test_heads_sent_in_time_on_a_kept_alive_connection_are_never_cut(gateway: GatewayHandle) -> None:
    # The deadline's timer outlives each request: a head begun just before it fires gets its own time.
    reader, writer = await _connect(gateway)
    request = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    statuses = []
    for pause in (1.0, 0.4):
        writer.write(request)
        statuses.append((await read_response(reader)).status)
        await asyncio.sleep(pause)
    writer.write(request[:10])
    await asyncio.sleep(0.5)  # the first request's timer fires while this head is half sent
    writer.write(request[10:])
    statuses.append((await asyncio.wait_for(read_response(reader), timeout=30)).status)
    writer.close()
    assert statuses == [200, 200, 200]
    assert _refused(gateway, "head_timeout") == 0


async def test_a_slow_body_is_not_cut_by_the_head_deadline(gateway: GatewayHandle, upstream: Upstream) -> None:
    reader, writer = await _connect(gateway)
    writer.write(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nConnection: close\r\n\r\n")
    await _trickle((reader, writer), b"abcdef")
    answer = await read_response(reader)
    writer.close()
    assert answer.status == 200
    assert answer.json()["body"]["bytes"] == 6


async def test_one_address_cannot_hold_more_than_its_cap(gateway: GatewayHandle) -> None:
    held = [await _connect(gateway), await _connect(gateway)]
    over = await _connect(gateway)
    refusal = await asyncio.wait_for(over[0].read(), timeout=30)
    # (A refused client that had already sent its request may see a reset instead of the 503: its
    # unread request is discarded as the connection closes; these two send nothing first.)
    again = await _connect(gateway)
    refusal_again = await asyncio.wait_for(again[0].read(), timeout=30)
    # Another address is not counted against this one's cap.
    elsewhere = await _connect(gateway, source="127.0.0.2")
    elsewhere[1].write(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    served_elsewhere = await read_response(elsewhere[0])
    # A held connection still works, and once one closes a new one gets its slot.
    held[0][1].write(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    served_held = await read_response(held[0][0])
    await asyncio.wait_for(held[0][0].read(), timeout=30)
    after = await _first_answer(gateway)
    for _, writer in [*held, over, again, elsewhere]:
        writer.close()
    assert refusal.startswith(b"HTTP/1.1 503 ")
    assert refusal_again.startswith(b"HTTP/1.1 503 ")
    assert (served_elsewhere.status, served_held.status, after) == (200, 200, 200)
    assert _refused(gateway, "per_address_cap") == 2


async def _first_answer(gateway: GatewayHandle) -> int:
    """The status of a request on a new connection, retried while the closed one's slot is freed."""
    for _ in range(50):
        status = (await raw_request(gateway.url, "/")).status
        if status != 503:
            return status
        await asyncio.sleep(0.1)
    return 503


@pytest.mark.slow
async def test_a_normal_client_is_served_while_a_thousand_clients_trickle(routes_dir: Path, upstream: Upstream) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 4096:  # both ends of every connection live in this process
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(4096, hard), hard))
    write_route(routes_dir, "10-all.json", proxy_route(upstream.url))
    limits = {"headerTimeout": 600, "maxConnectionsPerAddress": 0}
    async with running_gateway(routes_dir, limits=limits) as gateway:
        tricklers = [await _connect(gateway) for _ in range(1000)]
        pacer = asyncio.ensure_future(_pace(tricklers))
        try:
            answers = []
            for n in range(5):  # spread over a few trickled bytes
                answers.append(await raw_request(gateway.url, f"/normal/{n}"))
                await asyncio.sleep(0.5)
            still_held = sum(1 for reader, _ in tricklers if not reader.at_eof())
        finally:
            pacer.cancel()
            for _, writer in tricklers:
                writer.close()
    assert [answer.status for answer in answers] == [200] * 5
    assert [path for path in upstream.paths if path.startswith("/normal/")] == [f"/normal/{n}" for n in range(5)]
    assert still_held == 1000


async def _pace(streams: list[Stream]) -> None:
    """One more head byte on every connection each half second."""
    for index in range(len(HEAD)):
        for _, writer in streams:
            writer.write(HEAD[index : index + 1])
        await asyncio.sleep(0.5)
