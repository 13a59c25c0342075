"""HeaderFilter removes and adds headers on the request (towards the upstream) or on the response."""

from __future__ import annotations

import aiohttp

from tests.support.fixtures import Serve, chain, header_filter, seen_headers
from tests.support.upstream import Upstream


async def test_request_headers_are_removed_and_added_with_expressions(
    serve: Serve, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    edit = header_filter("REQUEST", remove=["X-Secret"], add={"X-Method": "${request.method}", "X-Two": ["a", "b"]})
    gateway = await serve(**{"10-h.json": {"baseURI": upstream.url, "handler": chain([edit])}})
    async with http.post(f"{gateway.url}/x", headers={"X-Secret": "s", "X-Keep": "k"}) as response:
        body = await response.read()
    assert seen_headers(body, "X-Secret") == []
    assert seen_headers(body, "X-Keep") == ["k"]
    assert seen_headers(body, "X-Method") == ["POST"]
    assert seen_headers(body, "X-Two") == ["a", "b"]


async def test_request_removal_replaces_a_client_value(
    serve: Serve, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    edit = header_filter("request", remove=["X-User"], add={"X-User": "gateway"})
    gateway = await serve(**{"10-h.json": {"baseURI": upstream.url, "handler": chain([edit])}})
    async with http.get(f"{gateway.url}/x", headers={"X-User": "forged"}) as response:
        assert seen_headers(await response.read(), "X-User") == ["gateway"]


async def test_response_headers_are_removed_and_added_with_expressions(
    serve: Serve, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    edit = header_filter("RESPONSE", remove=["Set-Cookie"], add={"X-Path": "${request.uri.path}"})
    gateway = await serve(**{"10-h.json": {"baseURI": upstream.url, "handler": chain([edit])}})
    async with http.get(f"{gateway.url}/seen/here") as response:
        assert "Set-Cookie" not in response.headers
        assert response.headers["X-Path"] == "/seen/here"
        assert seen_headers(await response.read(), "X-Path") == []


async def test_response_filter_edits_a_static_response(serve: Serve, http: aiohttp.ClientSession) -> None:
    static = {"type": "StaticResponseHandler", "config": {"headers": {"X-Drop": "d", "X-Stay": "s"}}}
    edit = header_filter("RESPONSE", remove=["X-Drop"], add={"X-New": "n"})
    gateway = await serve(**{"10-h.json": {"handler": chain([edit], static)}})
    async with http.get(f"{gateway.url}/") as response:
        assert ("X-Drop" in response.headers, response.headers["X-Stay"], response.headers["X-New"]) == (
            False,
            "s",
            "n",
        )
