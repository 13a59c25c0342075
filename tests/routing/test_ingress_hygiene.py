"""Ingress hygiene: headers a client names in Connection are removed on the way in, before any filter
runs (they can never delete a header the gateway adds), and no version banner in a Server header."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.support.gateway import running_gateway, write_route
from tests.support.upstream import raw_request, read_response, running_upstream


async def test_a_client_cannot_delete_the_headers_the_gateway_adds(routes_dir: Path) -> None:
    async with running_upstream() as upstream:
        tag = {"type": "HeaderFilter", "config": {"messageType": "REQUEST", "add": {"X-Route": ["rocksock"]}}}
        route = {
            "baseURI": upstream.url,
            "handler": {"type": "Chain", "config": {"filters": [tag], "handler": "ClientHandler"}},
        }
        write_route(routes_dir, "10-tag.json", route)
        async with running_gateway(routes_dir) as gateway:
            named = "keep-alive, X-Route, X-Forwarded-Proto, X-Forwarded-Host, X-Forwarded-For, X-Note"
            answer = await raw_request(gateway.url, "/a", headers=[("Connection", named), ("X-Note", "hop")])
    assert answer.status == 200
    seen = {name.lower(): value for name, value in answer.json()["headers"]}
    assert seen["x-route"] == "rocksock"
    assert seen["x-forwarded-proto"] == "http"
    assert seen["x-forwarded-for"] == "127.0.0.1"
    assert "x-forwarded-host" in seen
    # What the client named is still hop-by-hop: its own header does not reach the upstream.
    assert "x-note" not in seen


async def test_pages_the_gateway_makes_carry_no_version_banner(routes_dir: Path) -> None:
    static = {"type": "StaticResponseHandler", "config": {"status": 200, "entity": "hello"}}
    write_route(routes_dir, "10-hello.json", {"condition": "${request.uri.path == '/hello'}", "handler": static})
    async with running_gateway(routes_dir) as gateway:
        made = await raw_request(gateway.url, "/hello")
        refused = await raw_request(gateway.url, "/nowhere")
    assert (made.status, refused.status) == (200, 404)
    assert made.all("Server") == refused.all("Server") == ["gateway"]


async def test_an_idle_kept_alive_connection_is_closed_after_the_keep_alive_timeout(routes_dir: Path) -> None:
    static = {"type": "StaticResponseHandler", "config": {"status": 200, "entity": "hello"}}
    write_route(routes_dir, "10-hello.json", {"handler": static})
    async with running_gateway(routes_dir, limits={"keepAliveTimeout": 0.3}) as gateway:
        host, _, port = gateway.url.removeprefix("http://").rpartition(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = await read_response(reader)
        # The server ends the idle connection by itself: EOF, long before the test's own deadline.
        closed = await asyncio.wait_for(reader.read(), timeout=10)
        writer.close()
    assert answer.status == 200
    assert closed == b""
