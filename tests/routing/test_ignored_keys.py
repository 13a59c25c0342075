"""Keys OpenIG ignores are ignored here too: `comment` and `comments` anywhere, and any key starting
with `_` (OpenIG's way to switch a setting off). Every other unknown key stays an error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp

from gateway.heap.ignored import without_ignored
from gateway.lint import check_paths
from gateway.routing.model import RouteFile
from tests.support.fixtures import Serve, seen_headers
from tests.support.gateway import write_route
from tests.support.upstream import Upstream

ROUTE: dict[str, Any] = {
    "comments": ["the route as an OpenIG user writes it"],
    "comment": {"owner": "team a"},
    "_baseURI": "http://switched-off:1",
    "condition": "${startsWith(request.uri.path, '/noted')}",
    "heap": [
        {
            "name": "limit", "type": "ThrottlingFilter", "comment": "three a minute",
            "config": {"_requestGroupingPolicy": "${request.headers['X-Nope'][0]}", "comments": "per route",
                       "rate": {"numberOfRequests": 3, "duration": "1 minute", "_comment": "nested model"}},
        },
    ],
    "handler": {
        "type": "Chain", "comment": "inline object",
        "config": {"filters": ["limit", {"type": "HeaderFilter", "_config": {}, "config": {
            "messageType": "REQUEST", "comment": "a note", "add": {"_X-Data": ["kept: a header name is data"]}}}],
            "handler": "ClientHandler"},
    },
}  # fmt: skip


async def test_ignored_keys_change_nothing_and_map_keys_stay_data(
    serve: Serve, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    gateway = await serve(**{"10-noted.json": {**ROUTE, "baseURI": upstream.url}})
    async with http.get(f"{gateway.url}/noted") as response:
        assert response.status == 200
        assert seen_headers(await response.read(), "_X-Data") == ["kept: a header name is data"]
    statuses = []
    for _ in range(3):
        async with http.get(f"{gateway.url}/noted") as response:
            statuses.append(response.status)
    assert statuses == [200, 200, 429]


def test_other_unknown_keys_stay_errors_with_path_and_suggestion(tmp_path: Path) -> None:
    route = {**ROUTE, "heap": [{**ROUTE["heap"][0], "config": {"rate": {"numberOfRequest": 3, "duration": "1 s"}}}]}
    file = write_route(tmp_path, "10-typo.json", {**route, "condtion": "${true}", "baseURI": "http://app:8080"})
    assert sorted(str(e) for e in check_paths([file], None)) == [
        f"{file}: $.condtion: unknown property 'condtion'; did you mean 'condition'?",
        f"{file}: $.heap[0].config.rate.numberOfRequest: unknown property 'numberOfRequest'; "
        "did you mean 'numberOfRequests'?",
        f"{file}: $.heap[0].config.rate.numberOfRequests: required property is missing",
    ]


def test_only_keys_of_objects_with_named_properties_are_dropped() -> None:
    data = {"comment": "x", "_name": "off", "monitor": {"_enabled": False, "comments": 1}, "heap": [{"_a": 1}]}
    assert without_ignored(data, RouteFile) == {"comment": "x", "monitor": {}, "heap": [{"_a": 1}]}
