"""The jsonl capture format, a named decorator, and the captured context."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import aiohttp

from tests.capture.conftest import jsonl_records
from tests.support.gateway import running_gateway, write_route


def jsonl_route(base_uri: str) -> dict[str, object]:
    """Capture by a decorator named `json` (jsonl, entities, context) at the route's ClientHandler."""
    config = {"format": "jsonl", "captureEntity": True, "captureContext": True, "maxEntityLength": 8}
    return {
        "name": "api",
        "baseURI": base_uri,
        "heap": [
            {"name": "json", "type": "CaptureDecorator", "config": config},
            {"name": "tag", "type": "HeaderFilter", "config": {"messageType": "REQUEST", "add": {"X-Tag": "t"}}},
            {"name": "up", "type": "ClientHandler", "capture": {"decorator": "json", "points": ["all"]}},
        ],
        "handler": {"type": "Chain", "config": {"filters": ["tag"], "handler": "up"}},
    }


async def test_jsonl_records_parse_and_carry_the_message(
    routes_dir: Path, text_upstream: str, capture_dir: Path, http: aiohttp.ClientSession
) -> None:
    write_route(routes_dir, "10-api.json", jsonl_route(text_upstream))
    async with running_gateway(routes_dir, capture={"dir": str(capture_dir)}) as gw:
        headers = {"Content-Type": "text/plain; charset=utf-8", "Cookie": "sid=secret"}
        async with http.post(f"{gw.url}/echo?q=1", data="hello, world", headers=headers) as r:
            assert await r.text() == "hello, world"
        request, response = await jsonl_records(gw, capture_dir, "api", 2)
    assert request["id"] == response["id"]
    described = (request["type"], request["point"], request["source"], request["route"])
    assert described == ("request", "request", "up", "api")
    assert request["method"] == "POST"
    assert request["uri"] == f"{text_upstream}/echo?q=1"
    assert request["version"] == "HTTP/1.1"
    assert ["X-Tag", "t"] in request["headers"]
    assert ["Cookie", "*****"] in request["headers"]
    assert request["entity"] == {"kind": "text", "text": "hello, w", "more": 4, "complete": True}
    assert (response["type"], response["status"], response["reason"]) == ("response", 200, "OK")
    assert response["entity"]["text"] == "hello, w"
    assert request["context"] == {"identity": None, "attributes": {}}
    datetime.fromisoformat(request["time"])


async def test_jsonl_marks_binary_and_absent_entities(
    routes_dir: Path, text_upstream: str, capture_dir: Path, http: aiohttp.ClientSession
) -> None:
    write_route(routes_dir, "10-api.json", jsonl_route(text_upstream))
    async with running_gateway(routes_dir, capture={"dir": str(capture_dir)}) as gw:
        headers = {"Content-Type": "image/png"}
        async with http.post(f"{gw.url}/echo", data=b"\x89PNG", headers=headers) as r:
            assert await r.read() == b"\x89PNG"
        async with http.get(f"{gw.url}/text?size=0") as r:
            assert await r.read() == b""
        records = await jsonl_records(gw, capture_dir, "api", 4)
    assert [r["entity"] for r in records] == [{"kind": "binary"}, {"kind": "binary"}, None, None]
