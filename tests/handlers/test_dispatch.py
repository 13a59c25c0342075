"""DispatchHandler hands the request to the first binding whose condition holds, each with its baseURI."""

from __future__ import annotations

import json

import aiohttp

from tests.support.fixtures import Serve
from tests.support.upstream import Upstream, running_upstream


def binding(handler: object, condition: str | None = None, base: str | None = None) -> dict[str, object]:
    out: dict[str, object] = {"handler": handler}
    if condition:
        out["condition"] = condition
    if base:
        out["baseURI"] = base
    return out


def static(entity: str) -> dict[str, object]:
    return {"type": "StaticResponseHandler", "config": {"entity": entity}}


def dispatch(*bindings: dict[str, object]) -> dict[str, object]:
    return {"handler": {"type": "DispatchHandler", "config": {"bindings": list(bindings)}}}


async def test_the_first_matching_binding_answers(serve: Serve, http: aiohttp.ClientSession) -> None:
    route = dispatch(
        binding(static("a"), "${startsWith(request.uri.path, '/a')}"),
        binding(static("also a"), "${startsWith(request.uri.path, '/a')}"),
        binding(static("b"), "${startsWith(request.uri.path, '/b')}"),
    )
    gateway = await serve(**{"10-d.json": route})
    for path, answer in (("/a", "a"), ("/a/deeper", "a"), ("/b", "b")):
        async with http.get(gateway.url + path) as response:
            assert (response.status, await response.text()) == (200, answer)


async def test_each_binding_sends_to_its_own_base_uri(
    serve: Serve, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    async with running_upstream() as other:
        route = dispatch(
            binding("ClientHandler", "${startsWith(request.uri.path, '/one')}", upstream.url),
            binding("ClientHandler", "${startsWith(request.uri.path, '/two')}", other.url),
        )
        gateway = await serve(**{"10-d.json": route})
        for path in ("/one/x", "/two/y"):
            async with http.get(gateway.url + path) as response:
                assert response.status == 200
                assert json.loads(await response.read())["raw_path"] == path
        assert [r["raw_path"] for r in upstream.seen] == ["/one/x"]
        assert [r["raw_path"] for r in other.seen] == ["/two/y"]


async def test_a_binding_without_base_uri_uses_the_routes(
    serve: Serve, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    route = {**dispatch(binding("ClientHandler")), "baseURI": upstream.url}
    gateway = await serve(**{"10-d.json": route})
    async with http.get(f"{gateway.url}/z") as response:
        assert response.status == 200
    assert [r["raw_path"] for r in upstream.seen] == ["/z"]


async def test_no_matching_binding_is_a_404(serve: Serve, http: aiohttp.ClientSession) -> None:
    gateway = await serve(**{"10-d.json": dispatch(binding(static("a"), "${request.uri.path == '/a'}"))})
    async with http.get(f"{gateway.url}/nothing", headers={"Accept": "application/json"}) as response:
        assert response.status == 404
        assert (await response.json())["error"] == "no_route"


async def test_a_binding_without_condition_takes_the_rest(serve: Serve, http: aiohttp.ClientSession) -> None:
    route = dispatch(binding(static("a"), "${request.uri.path == '/a'}"), binding(static("rest")))
    gateway = await serve(**{"10-d.json": route})
    async with http.get(f"{gateway.url}/else") as response:
        assert await response.text() == "rest"
