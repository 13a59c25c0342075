"""Route files are tried in file-name order; the first whose condition holds wins; none = all."""

from __future__ import annotations

import aiohttp

from tests.support.fixtures import Serve


def static(entity: str, condition: str | None = None, name: str | None = None) -> dict[str, object]:
    route: dict[str, object] = {"handler": {"type": "StaticResponseHandler", "config": {"entity": entity}}}
    if condition:
        route["condition"] = condition
    if name:
        route["name"] = name
    return route


async def text(http: aiohttp.ClientSession, url: str) -> tuple[int, str]:
    async with http.get(url) as response:
        return response.status, await response.text()


async def test_the_first_file_by_name_wins_not_the_first_route_name(serve: Serve, http: aiohttp.ClientSession) -> None:
    gateway = await serve(
        **{
            "20-second.json": static("second", "${startsWith(request.uri.path, '/x')}", name="aaa"),
            "10-first.json": static("first", "${startsWith(request.uri.path, '/x')}", name="zzz"),
        }
    )
    assert await text(http, f"{gateway.url}/x") == (200, "first")


async def test_a_route_without_condition_takes_everything_left(serve: Serve, http: aiohttp.ClientSession) -> None:
    gateway = await serve(
        **{"10-a.json": static("a", "${request.uri.path == '/a'}"), "99-default.json": static("default")}
    )
    assert await text(http, f"{gateway.url}/a") == (200, "a")
    assert await text(http, f"{gateway.url}/anything/else") == (200, "default")


async def test_a_catch_all_first_shadows_later_routes(serve: Serve, http: aiohttp.ClientSession) -> None:
    gateway = await serve(**{"00-all.json": static("all"), "10-a.json": static("a", "${request.uri.path == '/a'}")})
    assert await text(http, f"{gateway.url}/a") == (200, "all")


async def test_no_matching_route_is_a_404(serve: Serve, http: aiohttp.ClientSession) -> None:
    gateway = await serve(**{"10-a.json": static("a", "${request.uri.path == '/a'}")})
    assert (await text(http, f"{gateway.url}/b"))[0] == 404


async def test_names_default_to_the_file_name_and_order_follows_file_names(
    serve: Serve, http: aiohttp.ClientSession
) -> None:
    gateway = await serve(**{"20-b.json": static("b", name="bee"), "10-a.json": static("a")})
    async with http.get(f"{gateway.admin}/admin/api/routes") as response:
        routes = (await response.json())["routes"]
    assert [(r["file"], r["name"], r["order"], r["state"]) for r in routes] == [
        ("10-a.json", "10-a", 0, "loaded"),
        ("20-b.json", "bee", 1, "loaded"),
    ]
