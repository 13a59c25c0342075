"""Decorators as OpenIG names them: a heap decorator's name used as a key, and a route's `globalDecorators`."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp

from gateway.capturing.install import CAPTURE
from tests.openig.harness import serve_file
from tests.support.fixtures import Serve
from tests.support.gateway import GatewayHandle


async def _captured(gateway: GatewayHandle, path: Path, needle: str) -> str:
    capture = gateway.runtime.services.feature(CAPTURE)
    assert capture is not None
    text = ""
    for _ in range(250):
        await asyncio.to_thread(capture.writer.drain)
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        if needle in text:
            return text
        await asyncio.sleep(0.02)
    raise AssertionError(f"{path} never held {needle!r}:\n{text}")


async def test_a_decorator_named_as_a_key_records_with_its_own_settings(
    serve: Serve, http: aiohttp.ClientSession, app_url: str, tmp_path: Path
) -> None:
    gateway = await serve_file(serve, "24-custom-named-decorator.json", app_url)
    async with http.post(f"{gateway.url}/orders", data="item=42") as response:
        assert response.status == 200
    text = await _captured(gateway, tmp_path / "capture" / "route-24-custom-named-decorator.log", "X-Trace")
    records = [json.loads(line) for line in text.splitlines()]
    assert [r["point"] for r in records] == ["filtered_request"]
    assert "item=42" in json.dumps(records[0])


async def test_global_decorators_decorate_every_filter_and_handler_of_the_route(
    serve: Serve, http: aiohttp.ClientSession, app_url: str, tmp_path: Path
) -> None:
    gateway = await serve_file(serve, "25-global-decorators.json", app_url)
    async with http.get(f"{gateway.url}/") as response:
        assert await response.text() == "hello from the gateway"
    text = await _captured(gateway, tmp_path / "capture" / "route-25-global-decorators.log", "X-Greeted")
    # One record each from the handler (before the filter adds its header), the filter and the Chain.
    assert text.count("(response) id:") == 3
    assert text.index("HTTP/1.1 200") < text.index("X-Greeted")


async def test_a_key_that_names_no_heap_object_is_still_an_unknown_property(
    serve: Serve, http: aiohttp.ClientSession
) -> None:
    route = {"heap": [{"name": "h", "type": "StaticResponseHandler", "MyCapturr": "all"}], "handler": "h"}
    gateway = await serve(**{"10-typo.json": route})
    async with http.get(f"{gateway.url}/") as response:
        assert response.status == 503
