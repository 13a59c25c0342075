"""A baseURI with a path prefixes every request path (as current OpenIG does); gateway.yaml may give
routes a default baseURI, as the Router of OpenIG's config.json does."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from tests.support.fixtures import Serve
from tests.support.gateway import running_gateway, write_route
from tests.support.upstream import Upstream


async def test_the_path_of_the_base_uri_goes_before_the_request_path(
    serve: Serve, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    gateway = await serve(**{"10-p.json": {"baseURI": f"{upstream.url}/app/v1/", "handler": "ClientHandler"}})
    async with http.get(f"{gateway.url}/orders/7?full=1") as response:
        assert (await response.json())["raw_path"] == "/app/v1/orders/7?full=1"


async def test_a_base_uri_of_slash_adds_nothing(serve: Serve, upstream: Upstream, http: aiohttp.ClientSession) -> None:
    gateway = await serve(**{"10-p.json": {"baseURI": f"{upstream.url}/", "handler": "ClientHandler"}})
    async with http.get(f"{gateway.url}/orders") as response:
        assert (await response.json())["raw_path"] == "/orders"


async def test_routes_without_a_base_uri_take_the_default_of_gateway_yaml(
    routes_dir: Path, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    write_route(routes_dir, "10-d.json", {"handler": "ClientHandler"})
    async with running_gateway(routes_dir, routing={"baseURI": f"{upstream.url}/base"}) as gateway:
        response = await http.get(f"{gateway.url}/x")
        assert (await response.json())["raw_path"] == "/base/x"


async def test_a_route_base_uri_wins_over_the_default(
    routes_dir: Path, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    write_route(routes_dir, "10-d.json", {"baseURI": upstream.url, "handler": "ClientHandler"})
    async with running_gateway(routes_dir, routing={"baseURI": "http://127.0.0.1:1/never"}) as gateway:
        response = await http.get(f"{gateway.url}/x")
        assert (await response.json())["raw_path"] == "/x"
