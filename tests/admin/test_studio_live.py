"""The studio's live view: try a request through the main listener, capture records, the event stream."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp

from tests.support.gateway import GatewayHandle
from tests.support.studio import Api, studio_gateway, throttled_route


async def test_try_sends_through_the_main_listener_and_captures_show_it(api: Api) -> None:
    await api.deploy("10-a.json", throttled_route("/a", limit=5))
    status, answer = await api.call("POST", "/admin/api/try", {"method": "GET", "path": "/a/x", "headers": {}})
    assert (status, answer["status"], answer["body"]) == (200, 200, "ok\n")
    records: list[str] = []
    for _ in range(200):
        _, body = await api.call("GET", "/admin/api/routes/a/captures")
        records = body["records"]
        if len(records) >= 2:
            break
        await asyncio.sleep(0.05)
    assert "GET" in records[0] and "/a/x" in records[0]


async def test_try_refuses_a_path_that_would_leave_the_main_listener(api: Api) -> None:
    status, body = await api.call("POST", "/admin/api/try", {"path": "//evil.example/x"})
    assert status == 400 and "path" in body["message"]


async def test_event_stream_sends_statistics_and_capture_records(api: Api, studio: GatewayHandle) -> None:
    await api.deploy("10-a.json", throttled_route("/a", limit=5))
    url = f"{studio.admin}/admin/api/events?route=a"
    async with api.http.get(url) as stream:
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        await api.call("POST", "/admin/api/try", {"path": "/a/live"})
        seen: set[str] = set()
        stats_total = 0
        async for line in stream.content:
            text = line.decode().strip()
            if text.startswith("event: "):
                kind = text.removeprefix("event: ")
            elif text.startswith("data: "):
                data = json.loads(text.removeprefix("data: "))
                seen.add(kind)
                if kind == "stats" and data["statistics"]:
                    stats_total = max(stats_total, data["statistics"]["responses"]["total"])
            if "capture" in seen and stats_total >= 1:
                break
    assert stats_total >= 1


async def test_an_open_event_stream_does_not_hold_up_shutdown(
    tmp_path: Path, routes_dir: Path, http: aiohttp.ClientSession
) -> None:
    async with studio_gateway(tmp_path, routes_dir) as studio:
        stream = await http.get(f"{studio.admin}/admin/api/events")
        await stream.content.readline()
        # The admin listener would otherwise wait its 60 s shutdown timeout for the stream.
        await asyncio.wait_for(studio.running.stop(), timeout=20)
        stream.close()
