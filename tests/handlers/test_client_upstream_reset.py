"""An upstream that breaks off mid-body: the client's connection is cut, never left open after a
short body that looks complete (Content-Length cut at half, and chunked without its last chunk)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.support.gateway import running_gateway, write_route
from tests.support.upstream import proxy_route
from tests.upstream.scripted import Script, Scripted, scripted

LENGTH = 4 << 20


async def _half_of_a_length(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, state: Scripted) -> None:
    await state.read_head(reader)
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % LENGTH)
    writer.write(b"a" * (LENGTH // 2))
    await writer.drain()
    await asyncio.sleep(0.2)  # the gateway has sent the head and the first half on by now
    writer.transport.abort()  # a reset, not a clean close


async def _chunked_cut_short(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, state: Scripted) -> None:
    await state.read_head(reader)
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n")
    writer.write(b"1000\r\n" + b"b" * 0x1000 + b"\r\n")
    await writer.drain()
    await asyncio.sleep(0.05)
    writer.write(b"1000\r\n" + b"b" * 0x800)  # half a chunk, then the connection goes
    await writer.drain()
    writer.close()


async def _keep_alive_exchange(gateway_url: str) -> tuple[bytes, bytes]:
    """One keep-alive request; the response head and every body byte until the gateway closes."""
    host, _, port = gateway_url.removeprefix("http://").rpartition(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(f"GET /file HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        # A gateway that kept the connection open would leave this read waiting: the timeout fails it.
        body = await asyncio.wait_for(reader.read(-1), timeout=10)
        return head, body
    finally:
        writer.close()


@pytest.mark.parametrize("script", [_half_of_a_length, _chunked_cut_short], ids=["content-length", "chunked"])
async def test_an_upstream_reset_mid_body_cuts_the_client_connection(routes_dir: Path, script: Script) -> None:
    async with scripted(script) as upstream:
        write_route(routes_dir, "50-up.json", proxy_route(f"http://127.0.0.1:{upstream.port}"))
        async with running_gateway(routes_dir) as gw:
            head, body = await _keep_alive_exchange(gw.url)
    assert head.startswith(b"HTTP/1.1 200")
    headers = head.decode("latin-1").lower()
    if "content-length:" in headers:
        assert f"content-length: {LENGTH}" in headers
        assert 0 < len(body) < LENGTH  # short, and the connection closed: the client knows
    else:
        assert "transfer-encoding: chunked" in headers
        assert body and not body.endswith(b"0\r\n\r\n")  # never the last chunk that says "complete"
