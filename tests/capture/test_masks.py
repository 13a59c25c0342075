"""Masks: credentials never reach a capture file unless a decorator says otherwise."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp

from tests.capture.conftest import capture_file, captured_route, read_file, text_records
from tests.support.gateway import running_gateway, write_route
from tests.support.upstream import Upstream

SECRETS = {
    "Authorization": "Bearer s3cret-bearer",
    "Cookie": "session=s3cret-cookie",
    "X-API-Key": "s3cret-xapikey",
    "Api-Key": "s3cret-apikey",
    "My_Api_Key": "s3cret-underscore",
    "X-Auth-Token": "s3cret-token",
}


async def one_request(gw: Any, http: aiohttp.ClientSession, headers: dict[str, str]) -> None:
    async with http.get(f"{gw.url}/m", headers=headers) as r:
        assert r.status == 200
        await r.read()


async def test_default_masks_hide_credentials_in_both_directions(
    routes_dir: Path, upstream: Upstream, capture_dir: Path, http: aiohttp.ClientSession
) -> None:
    write_route(routes_dir, "10-app.json", captured_route(upstream.url))
    async with running_gateway(routes_dir, capture={"dir": str(capture_dir)}) as gw:
        await one_request(gw, http, {**SECRETS, "X-Plain": "visible"})
        text = await read_file(gw, capture_file(capture_dir, "app"), 4)
        records = await text_records(gw, capture_dir, "app", 4)
    assert "s3cret" not in text
    for request in records[:2]:
        for name in SECRETS:
            assert request.header(name) == ["*****"], name
        assert request.header("X-Plain") == ["visible"]
    for response in records[2:]:
        assert response.header("Set-Cookie") == ["*****", "*****"]
    # The upstream did get the real values: masking is for the file only.
    seen = dict(upstream.seen[-1]["headers"])
    assert seen["Authorization"] == SECRETS["Authorization"]


async def test_custom_masks_add_to_the_defaults_with_their_own_mask(
    routes_dir: Path, upstream: Upstream, capture_dir: Path, http: aiohttp.ClientSession
) -> None:
    masks = {"headers": ["x-secret-.*", "X-Forwarded-For"], "mask": "[hidden]"}
    write_route(routes_dir, "10-app.json", captured_route(upstream.url, decorator={"masks": masks}))
    async with running_gateway(routes_dir, capture={"dir": str(capture_dir)}) as gw:
        await one_request(gw, http, {"X-Secret-Pin": "1234", "Authorization": "Basic abc", "X-Secretive": "no"})
        records = await text_records(gw, capture_dir, "app", 4)
    inbound, outbound = records[0], records[1]
    for request in (inbound, outbound):
        assert request.header("X-Secret-Pin") == ["[hidden]"]
        assert request.header("Authorization") == ["[hidden]"]
        assert request.header("X-Secretive") == ["no"]
    assert outbound.header("X-Forwarded-For") == ["[hidden]"]


async def test_a_decorator_can_turn_the_default_masks_off(
    routes_dir: Path, upstream: Upstream, capture_dir: Path, http: aiohttp.ClientSession
) -> None:
    masks = {"defaults": False, "headers": ["X-API-Key"]}
    write_route(routes_dir, "10-app.json", captured_route(upstream.url, decorator={"masks": masks}))
    async with running_gateway(routes_dir, capture={"dir": str(capture_dir)}) as gw:
        await one_request(gw, http, {"Authorization": "Basic abc", "X-API-Key": "k"})
        records = await text_records(gw, capture_dir, "app", 4)
    assert records[0].header("Authorization") == ["Basic abc"]
    assert records[0].header("X-API-Key") == ["*****"]
    assert records[3].header("Set-Cookie") == ["a=1; Path=/", "b=2; Path=/"]
