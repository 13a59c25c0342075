"""Capture that cannot write (its folder is a file, or its disk is full): traffic goes on at once,
and every lost record is counted in `gateway_capture_dropped_total{reason="write_error"}`."""

from __future__ import annotations

import errno
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from gateway.capture.message import Message
from gateway.capture.writer import CaptureWriter
from gateway.ops.metrics import Metrics
from tests.capture.conftest import settled
from tests.support.gateway import GatewayHandle, running_gateway, write_route
from tests.support.upstream import Upstream, proxy_route

REQUESTS = 20
_DROPPED = re.compile(r'^gateway_capture_dropped_total\{reason="write_error"\} ([\d.]+)$', re.MULTILINE)


async def _serve_all(gateway: GatewayHandle) -> int:
    """REQUESTS captured requests, each answered in full; then the write errors counted so far."""
    async with aiohttp.ClientSession() as http:
        for n in range(REQUESTS):
            async with http.get(f"{gateway.url}/item/{n}", timeout=aiohttp.ClientTimeout(total=5)) as response:
                assert response.status == 200 and (await response.json())["raw_path"] == f"/item/{n}"
        await settled(gateway)
        async with http.get(gateway.admin + "/metrics") as metrics:
            found = _DROPPED.search(await metrics.text())
    return int(float(found.group(1))) if found else 0


async def _captured_gateway_run(routes_dir: Path, folder: Path, upstream: Upstream) -> int:
    write_route(routes_dir, "10-all.json", {**proxy_route(upstream.url), "capture": ["request", "response"]})
    async with running_gateway(routes_dir, capture={"dir": str(folder)}) as gateway:
        return await _serve_all(gateway)


async def test_a_file_where_the_capture_folder_should_be_drops_and_counts(
    routes_dir: Path, tmp_path: Path, upstream: Upstream
) -> None:
    folder = tmp_path / "capture"
    folder.write_text("not a folder")
    assert await _captured_gateway_run(routes_dir, folder, upstream) == 2 * REQUESTS
    assert folder.read_text() == "not a folder"


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs (skipped where this process may not mount one)."""
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    mount = shutil.which("mount") or "/bin/mount"
    done = subprocess.run([mount, "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run([shutil.which("umount") or "/bin/umount", str(mount_point)], check=False)


async def test_a_full_disk_drops_and_counts_while_traffic_goes_on(
    routes_dir: Path, tiny_disk: Path, upstream: Upstream
) -> None:
    (tiny_disk / "filler").write_bytes(b"x" * (60 * 1024))  # what is left holds a record or two at most
    dropped = await _captured_gateway_run(routes_dir, tiny_disk / "capture", upstream)
    assert 0 < dropped <= 2 * REQUESTS


class _NoSpace:
    """RouteFiles whose every append fails as a full disk does."""

    def append(self, route: str, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    def close(self) -> None:
        pass


def test_a_writer_on_a_full_disk_counts_every_record_it_loses(tmp_path: Path) -> None:
    metrics = Metrics(multiprocess=False)
    writer = CaptureWriter(tmp_path, 1 << 20, 1, metrics.capture_dropped)
    writer._files = _NoSpace()  # type: ignore[assignment]
    writer.start()
    try:
        for n in range(5):
            message = Message(f"id-{n}", "request", "r", "client", [], method="GET", data=b"body")
            writer.submit("r", lambda m: f"{m.id}\n", message)
        writer.drain()
    finally:
        writer.stop()
    assert metrics.registry.get_sample_value("gateway_capture_dropped_total", {"reason": "write_error"}) == 5
