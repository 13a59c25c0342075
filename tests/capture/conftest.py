"""Capture fixtures: a capture folder, a text-serving upstream, and readers of real capture files."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from gateway.capturing.install import CAPTURE
from tests.support.gateway import GatewayHandle
from tests.support.upstream import on_loopback

HEAD = re.compile(r"^(?:--- \((?P<rq>\w+)\) id:(?P<rid>\S+) --->|<--- \((?P<rs>\w+)\) id:(?P<sid>\S+) ---)$")
TEXT = "The quick brown fox jumps over the lazy dog. "


@dataclass
class Record:
    """One text-format record, as its lines."""

    lines: list[str]
    kind: str
    point: str
    id: str
    start: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: list[str] = field(default_factory=list)

    def header(self, name: str) -> list[str]:
        """Every value of a header, in order."""
        return [v for k, v in self.headers if k.lower() == name.lower()]


def parse_text(text: str) -> list[Record]:
    """Split a text capture file into records, checking the layout of each on the way."""
    records: list[Record] = []
    # Every record ends with a blank line: the file ends with "\n\n".
    for line in text.split("\n")[:-1]:
        match = HEAD.match(line)
        if match:
            kind = "request" if match["rq"] else "response"
            records.append(Record([line], kind, match["rq"] or match["rs"], match["rid"] or match["sid"]))
        else:
            assert records, f"text before the first record: {line!r}"
            records[-1].lines.append(line)
    for record in records:
        _split(record)
    return records


def _split(record: Record) -> None:
    lines = record.lines
    assert lines[1] == "", f"no blank line after the record head: {lines[:3]}"
    record.start = lines[2]
    index = 3
    while lines[index] != "":
        name, sep, value = lines[index].partition(": ")
        assert sep, f"not a header line: {lines[index]!r}"
        record.headers.append((name, value))
        index += 1
    record.body = lines[index + 1 :]
    while record.body and record.body[-1] == "":
        record.body.pop()


def capture_file(folder: Path, route: str) -> Path:
    """The capture file of a route."""
    return folder / f"route-{route}.log"


async def settled(gw: GatewayHandle) -> None:
    """Wait until the capture writer has written everything queued so far."""
    capture = gw.runtime.services.feature(CAPTURE)
    assert capture is not None
    await asyncio.to_thread(capture.writer.drain)


async def read_file(gw: GatewayHandle, path: Path, count: int) -> str:
    """The file's text once it holds `count` records (bodies end a little after their responses)."""
    text = ""
    for _ in range(250):
        await settled(gw)
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        found = len(text.splitlines()) if path.suffix == ".jsonl" else sum(1 for x in text.split("\n") if HEAD.match(x))
        if found >= count:
            return text
        await asyncio.sleep(0.02)
    raise AssertionError(f"{path} holds fewer than {count} records:\n{text}")


async def text_records(gw: GatewayHandle, folder: Path, route: str, count: int) -> list[Record]:
    """The parsed text records of a route, once there are `count`."""
    return parse_text(await read_file(gw, capture_file(folder, route), count))


async def jsonl_records(gw: GatewayHandle, folder: Path, route: str, count: int) -> list[dict[str, Any]]:
    """The jsonl records of a route, once there are `count`."""
    path = capture_file(folder, route)
    text = ""
    for _ in range(250):
        await settled(gw)
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        if len(text.splitlines()) >= count:
            return [json.loads(line) for line in text.splitlines()]
        await asyncio.sleep(0.02)
    raise AssertionError(f"{path} holds fewer than {count} records:\n{text}")


@pytest.fixture
def capture_dir(tmp_path: Path) -> Path:
    """Where the gateway writes capture files (created by the gateway itself)."""
    return tmp_path / "capture"


async def _text(request: web.Request) -> web.StreamResponse:
    """`size` bytes of text, streamed in chunks without a Content-Length."""
    size = int(request.query.get("size", "100"))
    response = web.StreamResponse(headers={"Content-Type": "text/plain; charset=utf-8"})
    await response.prepare(request)
    data = (TEXT * (size // len(TEXT) + 1)).encode()[:size]
    for start in range(0, size, 65536):
        await response.write(data[start : start + 65536])
    await response.write_eof()
    return response


async def _echo(request: web.Request) -> web.Response:
    """The request body back, with the request's content type."""
    body = await request.read()
    content_type = request.headers.get("Content-Type", "application/octet-stream")
    return web.Response(body=body, headers={"Content-Type": content_type})


@pytest.fixture
async def text_upstream() -> AsyncIterator[str]:
    """An upstream that streams text and echoes bodies, on a free loopback port."""
    app = web.Application(client_max_size=0)
    app.router.add_get("/text", _text)
    app.router.add_post("/echo", _echo)
    async with on_loopback(app) as url:
        yield url


def captured_route(base_uri: str, **extra: Any) -> dict[str, Any]:
    """A route `app` proxying to `base_uri`, captured at the route and at its ClientHandler."""
    decorator = extra.pop("decorator", None)
    heap: list[dict[str, Any]] = [{"name": "ClientHandler", "type": "ClientHandler", "capture": "all"}]
    if decorator is not None:
        heap.append({"name": "capture", "type": "CaptureDecorator", "config": decorator})
    return {
        "name": "app",
        "baseURI": base_uri,
        "capture": ["request", "response"],
        "heap": heap,
        "handler": "ClientHandler",
        **extra,
    }
