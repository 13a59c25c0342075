"""WebSockets through the gateway: the upgrade, frames both ways, subprotocols, and the close."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from aiohttp import WSMsgType
from yarl import URL

from tests.support.gateway import GatewayHandle, running_gateway, write_route
from tests.support.upstream import Upstream, proxy_route, raw_request


async def until(condition: object, what: str) -> None:
    """Wait for the upstream to record something that happens after the client's call returns."""
    for _ in range(200):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"never happened: {what}")


async def test_text_and_binary_frames_pass_both_ways(gateway: GatewayHandle, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(f"{gateway.url}/ws") as ws:
        await ws.send_str("héllo")
        assert await ws.receive_str() == "echo:héllo"
        payload = bytes(range(256)) * 300
        await ws.send_bytes(payload)
        assert await ws.receive_bytes() == payload[::-1]
        for index in range(20):
            await ws.send_str(str(index))
        assert [await ws.receive_str() for _ in range(20)] == [f"echo:{i}" for i in range(20)]


async def test_upgrade_reaches_the_upstream_with_forwarded_headers(
    gateway: GatewayHandle, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    headers = {"Cookie": "session=abc", "X-Forwarded-For": "6.6.6.6"}
    async with http.ws_connect(URL(f"{gateway.url}/ws?room=a%2Fb", encoded=True), headers=headers) as ws:
        await ws.send_str("x")
        await ws.receive_str()
    record = upstream.seen[0]
    pairs = {k.lower(): v for k, v in record["headers"]}
    assert record["raw_path"] == "/ws?room=a%2Fb"
    assert pairs["cookie"] == "session=abc"
    assert pairs["x-forwarded-for"] == "127.0.0.1"
    assert pairs["upgrade"].lower() == "websocket"
    assert pairs["host"] == upstream.url.removeprefix("http://")


async def test_subprotocol_is_negotiated_with_the_upstream(
    gateway: GatewayHandle, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    async with http.ws_connect(f"{gateway.url}/ws", protocols=("superchat", "chat")) as ws:
        assert ws.protocol == "chat"
        await ws.send_str("p")
        assert await ws.receive_str() == "echo:p"
    offered = dict((k.lower(), v) for k, v in upstream.seen[0]["headers"])["sec-websocket-protocol"]
    assert [p.strip() for p in offered.split(",")] == ["superchat", "chat"]


async def test_no_subprotocol_when_the_upstream_takes_none(gateway: GatewayHandle, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(f"{gateway.url}/ws", protocols=("unknown",)) as ws:
        assert ws.protocol is None
        await ws.send_str("q")
        assert await ws.receive_str() == "echo:q"


async def test_client_close_code_reaches_the_upstream_and_its_answer_comes_back(
    gateway: GatewayHandle, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    direct = await http.ws_connect(f"{upstream.url}/ws")
    await direct.close(code=4001, message=b"client done")
    ws = await http.ws_connect(f"{gateway.url}/ws")
    await ws.send_str("hi")
    await ws.receive_str()
    await ws.close(code=4001, message=b"client done")
    await until(lambda: len(upstream.closes) == 2, "the upstream saw both closes")
    assert upstream.closes == [4001, 4001]
    assert ws.close_code == direct.close_code


async def test_ping_reaches_the_upstream_and_its_pong_comes_back(
    gateway: GatewayHandle, http: aiohttp.ClientSession
) -> None:
    async with http.ws_connect(f"{gateway.url}/ws", autoping=False) as ws:
        await ws.ping(b"are you there")
        message = await ws.receive()
        assert (message.type, message.data) == (WSMsgType.PONG, b"are you there")


async def test_upstream_close_code_and_reason_reach_the_client(
    gateway: GatewayHandle, http: aiohttp.ClientSession
) -> None:
    async with http.ws_connect(f"{gateway.url}/ws") as ws:
        await ws.send_str("close")
        message = await ws.receive()
        assert message.type == WSMsgType.CLOSE
        assert message.data == 4000
        assert message.extra == "bye"
    assert ws.close_code == 4000


async def test_refused_handshake_passes_the_upstream_status(
    gateway: GatewayHandle, http: aiohttp.ClientSession
) -> None:
    # The echo path is no websocket endpoint: the upstream answers the upgrade with a plain 200.
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await http.ws_connect(f"{gateway.url}/not-a-socket")
    assert refused.value.status == 200


async def test_refused_handshake_answer_is_well_formed(gateway: GatewayHandle, upstream: Upstream) -> None:
    head = (
        b"GET /not-a-socket HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
        b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    )
    response = await asyncio.wait_for(raw_request(gateway.url, "", head=head), 10)
    assert response.status == 200
    assert response.body == b""
    assert response.all("Set-Cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert upstream.paths == ["/not-a-socket"]


async def test_refused_upstream_is_a_502_before_the_upgrade(routes_dir: Path, http: aiohttp.ClientSession) -> None:
    from tests.support.process import free_port

    write_route(routes_dir, "50-down.json", proxy_route(f"http://127.0.0.1:{free_port()}"))
    async with running_gateway(routes_dir) as gw:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(f"{gw.url}/ws")
    assert refused.value.status == 502


async def test_many_sockets_at_once_stay_apart(gateway: GatewayHandle, http: aiohttp.ClientSession) -> None:
    async def talk(index: int) -> list[str]:
        async with http.ws_connect(f"{gateway.url}/ws") as ws:
            for turn in range(5):
                await ws.send_str(f"{index}-{turn}")
            return [await ws.receive_str() for _ in range(5)]

    answers = await asyncio.gather(*(talk(i) for i in range(20)))
    assert answers == [[f"echo:{i}-{t}" for t in range(5)] for i in range(20)]
