"""Capture files: per-route names, size rotation, and a folder that cannot be written."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import aiohttp
from prometheus_client import CollectorRegistry, Counter

from gateway.capture.message import Message
from gateway.capture.writer import CaptureWriter
from tests.capture.conftest import capture_file, captured_route, parse_text, settled
from tests.support.gateway import running_gateway, write_route
from tests.support.upstream import Upstream


async def dropped(http: aiohttp.ClientSession, admin: str, reason: str) -> float:
    async with http.get(f"{admin}/metrics") as r:
        text = await r.text()
    match = re.search(rf'^gateway_capture_dropped_total{{reason="{reason}"}} (\S+)$', text, re.M)
    return float(match.group(1)) if match else 0.0


async def test_each_route_writes_its_own_file(
    routes_dir: Path, upstream: Upstream, capture_dir: Path, http: aiohttp.ClientSession
) -> None:
    for index, name in enumerate(("alpha", "beta")):
        route = captured_route(upstream.url, name=name, condition=f"${{startsWith(request.uri.path, '/{name}')}}")
        write_route(routes_dir, f"{index}-{name}.json", route)
    async with running_gateway(routes_dir, capture={"dir": str(capture_dir)}) as gw:
        for path in ("/alpha", "/beta", "/beta"):
            async with http.get(f"{gw.url}{path}") as r:
                assert r.status == 200
    # Stopping the gateway writes what is queued.
    assert sorted(p.name for p in capture_dir.iterdir()) == ["route-alpha.log", "route-beta.log"]
    assert len(parse_text(capture_file(capture_dir, "alpha").read_text())) == 4
    beta = parse_text(capture_file(capture_dir, "beta").read_text())
    assert len(beta) == 8
    assert all(r.start.endswith("/beta HTTP/1.1") for r in beta if r.kind == "request")


async def test_files_rotate_past_max_file_size(
    routes_dir: Path, upstream: Upstream, capture_dir: Path, http: aiohttp.ClientSession
) -> None:
    write_route(routes_dir, "10-app.json", captured_route(upstream.url))
    capture = {"dir": str(capture_dir), "maxFileSize": 4096, "backups": 2}
    async with running_gateway(routes_dir, capture=capture) as gw:
        for index in range(40):
            async with http.get(f"{gw.url}/r/{index}") as r:
                assert r.status == 200
            # One request at a time reaches the writer, so each batch stays small.
            await settled(gw)
    files = sorted(p.name for p in capture_dir.iterdir())
    assert files == ["route-app.log", "route-app.log.1", "route-app.log.2"]
    for name in files:
        text = (capture_dir / name).read_text()
        assert 0 < len(text.encode()) <= 4096
        records = parse_text(text)
        assert records[0].point == "request"
    newest = parse_text(capture_file(capture_dir, "app").read_text())
    assert newest[-1].kind == "response"
    assert [r.start for r in newest if r.kind == "request"][-1].endswith("/r/39 HTTP/1.1")


async def test_an_unwritable_capture_folder_drops_records_and_requests_succeed(
    routes_dir: Path, upstream: Upstream, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    # A folder under a regular file can be created by no one, not even root.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file")
    write_route(routes_dir, "10-app.json", captured_route(upstream.url))
    async with running_gateway(routes_dir, capture={"dir": str(blocker / "capture")}) as gw:
        for _ in range(5):
            async with http.get(f"{gw.url}/x") as r:
                assert r.status == 200
                assert (await r.json())["method"] == "GET"
        await settled(gw)
        assert await dropped(http, gw.admin, "write_error") == 20
    assert blocker.read_text() == "a file"


async def test_a_full_queue_drops_and_counts_instead_of_waiting(tmp_path: Path) -> None:
    registry = CollectorRegistry()
    counter = Counter("capture_dropped", "test", ["reason"], registry=registry)
    writer = CaptureWriter(tmp_path, 1 << 20, 1, counter, capacity=2)
    for index in range(5):
        writer.submit("r", lambda m: f"{m.id}\n", Message(str(index), "request", "r", "s", []))
    assert registry.get_sample_value("capture_dropped_total", {"reason": "queue_full"}) == 3
    writer.start()
    await asyncio.to_thread(writer.stop)
    assert (tmp_path / "route-r.log").read_text() == "0\n1\n"
