"""Chain runs its filters in order, outermost first, then its handler."""

from __future__ import annotations

import aiohttp

from tests.support.fixtures import Serve, chain, header_filter, seen_headers
from tests.support.upstream import Upstream


def tag(message_type: str, value: str) -> dict[str, object]:
    return header_filter(message_type, add={"X-Order": value})


async def test_request_filters_run_in_list_order(serve: Serve, upstream: Upstream, http: aiohttp.ClientSession) -> None:
    filters = [tag("REQUEST", "first"), tag("REQUEST", "second"), tag("REQUEST", "third")]
    gateway = await serve(**{"10-c.json": {"baseURI": upstream.url, "handler": chain(filters)}})
    async with http.get(f"{gateway.url}/x") as response:
        assert seen_headers(await response.read(), "X-Order") == ["first", "second", "third"]


async def test_response_filters_see_the_response_innermost_first(
    serve: Serve, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    filters = [tag("RESPONSE", "outer"), tag("RESPONSE", "inner")]
    gateway = await serve(**{"10-c.json": {"baseURI": upstream.url, "handler": chain(filters)}})
    async with http.get(f"{gateway.url}/x") as response:
        assert response.headers.getall("X-Order") == ["inner", "outer"]


async def test_filters_and_handler_may_be_heap_references_and_chains_nest(
    serve: Serve, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    route = {
        "baseURI": upstream.url,
        "heap": [
            {"name": "one", **tag("REQUEST", "1")},
            {"name": "inner", **chain([tag("REQUEST", "2")], "ClientHandler")},
        ],
        "handler": chain(["one"], "inner"),
    }
    gateway = await serve(**{"10-c.json": route})
    async with http.get(f"{gateway.url}/x") as response:
        assert seen_headers(await response.read(), "X-Order") == ["1", "2"]


async def test_a_chain_without_filters_is_its_handler(serve: Serve, http: aiohttp.ClientSession) -> None:
    static = {"type": "StaticResponseHandler", "config": {"status": 202, "entity": "direct"}}
    gateway = await serve(**{"10-c.json": {"handler": chain([], static)}})
    async with http.get(f"{gateway.url}/x") as response:
        assert (response.status, await response.text()) == (202, "direct")
