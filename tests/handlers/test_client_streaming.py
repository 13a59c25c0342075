"""Bodies stream through the gateway both ways: chunked, unbounded, and in bounded memory."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.support.gateway import GatewayHandle, running_gateway, write_route
from tests.support.process import GatewayProcess
from tests.support.upstream import (
    Upstream,
    pattern_chunks,
    pattern_digest,
    proxy_route,
    raw_request,
    read_response,
)

GIB = 1 << 30
MIB = 1 << 20


async def body_of(size: int, chunk: int = 1 << 16) -> AsyncIterator[bytes]:
    """`size` bytes of the pattern, produced as they are sent."""
    for part in pattern_chunks(size, chunk):
        yield part


def chunked_head(target: str) -> bytes:
    """A request head announcing a chunked body."""
    return f"POST {target} HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n".encode()


async def test_chunked_request_body_arrives_whole(
    gateway: GatewayHandle, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    size = 3 * MIB + 11
    async with http.post(f"{gateway.url}/chunked-upload", data=body_of(size, 10_000)) as response:
        assert response.status == 200
    record = upstream.seen[0]
    assert record["chunked"]
    assert record["body"] == {"bytes": size, "sha256": pattern_digest(size)}
    assert "content-length" not in {k.lower() for k, _ in record["headers"]}


async def test_chunked_response_reaches_the_client_chunked(gateway: GatewayHandle) -> None:
    size = 2 * MIB + 5
    response = await raw_request(gateway.url, f"/big?size={size}")
    assert response.header("Transfer-Encoding") == "chunked"
    assert response.header("Content-Length") is None
    assert hashlib.sha256(response.body).hexdigest() == pattern_digest(size)


async def test_chunked_response_reaches_an_http10_client_whole(gateway: GatewayHandle) -> None:
    size = 300_001
    response = await raw_request(gateway.url, "", head=f"GET /big?size={size} HTTP/1.0\r\n\r\n".encode())
    assert response.status == 200
    assert response.header("Transfer-Encoding") is None
    assert hashlib.sha256(response.body).hexdigest() == pattern_digest(size)


async def test_request_trailers_are_dropped_but_body_and_connection_survive(
    gateway: GatewayHandle, upstream: Upstream
) -> None:
    # aiohttp parses trailers and discards them, and cannot send any: a known limitation.
    host, port = gateway.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(chunked_head("/trailers") + b"5\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: abc\r\n\r\n")
        first = await read_response(reader)
        writer.write(b"GET /after HTTP/1.1\r\nHost: gw\r\n\r\n")
        second = await read_response(reader)
    finally:
        writer.close()
        await writer.wait_closed()
    assert (first.status, second.status) == (200, 200)
    assert upstream.seen[0]["body"] == {"bytes": 11, "sha256": hashlib.sha256(b"hello world").hexdigest()}
    assert "x-checksum" not in {k.lower() for k, _ in upstream.seen[0]["headers"]}
    assert upstream.paths == ["/trailers", "/after"]


@asynccontextmanager
async def trailer_upstream() -> AsyncIterator[str]:
    """A bare HTTP/1.1 server answering with a chunked body followed by a trailer field."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
        writer.write(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\nContent-Type: text/plain\r\n\r\n"
            b"6\r\nchunk1\r\n6\r\nchunk2\r\n0\r\nX-Checksum: 42\r\n\r\n"
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        await server.wait_closed()


async def test_response_trailers_are_dropped_but_the_body_survives(routes_dir: Path) -> None:
    async with trailer_upstream() as url:
        write_route(routes_dir, "50-trailers.json", proxy_route(url))
        async with running_gateway(routes_dir) as gw:
            response = await raw_request(gw.url, "/with-trailers", headers=[("TE", "trailers")])
    assert response.status == 200
    assert response.body == b"chunk1chunk2"
    assert response.header("Trailer") is None


def vm_rss(pid: int) -> int:
    """Resident memory of a process in bytes (/proc/<pid>/status VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


async def peak_rss_during(pid: int, transfer: Callable[[], Coroutine[Any, Any, None]]) -> int:
    """The highest RSS of `pid` sampled while `transfer` runs."""
    task = asyncio.ensure_future(transfer())
    peak = vm_rss(pid)
    while not task.done():
        peak = max(peak, vm_rss(pid))
        await asyncio.wait({task}, timeout=0.05)
    await task
    return peak


@pytest.fixture
async def gateway_process(routes_dir: Path, upstream: Upstream) -> AsyncIterator[GatewayProcess]:
    """`python -m gateway serve` in a child process, proxying to the upstream."""
    write_route(routes_dir, "50-upstream.json", proxy_route(upstream.url))
    process = GatewayProcess(routes_dir)
    await asyncio.to_thread(process.start)
    try:
        yield process
    finally:
        await asyncio.to_thread(process.stop)


async def warm_up(process: GatewayProcess, http: aiohttp.ClientSession) -> int:
    """Push a few MiB both ways so buffers and code paths exist; then the baseline RSS."""
    for _ in range(3):
        async with http.post(f"{process.url}/warm", data=body_of(8 * MIB)) as response:
            assert response.status == 200
        async with http.get(f"{process.url}/big", params={"size": 8 * MIB}) as response:
            await response.read()
    return vm_rss(process.pid)


@pytest.mark.slow
@pytest.mark.timeout(900)
async def test_one_gib_upload_streams_in_bounded_memory(
    gateway_process: GatewayProcess, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    baseline = await warm_up(gateway_process, http)

    async def upload() -> None:
        headers = {"Content-Length": str(GIB), "Content-Type": "application/octet-stream"}
        data = body_of(GIB, MIB)
        async with http.post(f"{gateway_process.url}/upload", data=data, headers=headers) as response:
            assert response.status == 200

    peak = await peak_rss_during(gateway_process.pid, upload)
    assert upstream.seen[-1]["body"] == {"bytes": GIB, "sha256": pattern_digest(GIB)}
    assert peak - baseline < 50 * MIB, f"RSS grew by {(peak - baseline) / MIB:.1f} MiB"


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("length", ["1", "0"])
async def test_one_gib_download_streams_in_bounded_memory(
    gateway_process: GatewayProcess, http: aiohttp.ClientSession, length: str
) -> None:
    baseline = await warm_up(gateway_process, http)
    received = {"bytes": 0, "sha256": ""}

    async def download() -> None:
        hasher = hashlib.sha256()
        async with http.get(f"{gateway_process.url}/big", params={"size": GIB, "length": length}) as response:
            assert response.status == 200
            async for chunk in response.content.iter_any():
                hasher.update(chunk)
                received["bytes"] += len(chunk)
        received["sha256"] = hasher.hexdigest()

    peak = await peak_rss_during(gateway_process.pid, download)
    assert received == {"bytes": GIB, "sha256": pattern_digest(GIB)}
    assert peak - baseline < 50 * MIB, f"RSS grew by {(peak - baseline) / MIB:.1f} MiB"
