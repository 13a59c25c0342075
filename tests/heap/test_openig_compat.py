"""A route written for OpenIG that uses only supported types loads unchanged (apart from its baseURI)."""

from __future__ import annotations

import json

import aiohttp

from tests.support.fixtures import Serve
from tests.support.upstream import Upstream

# As exported by OpenIG Studio: a heap ClientHandler with capture, the route's own capture and monitor.
ROCKSOCK = """
{
  "name": "rocksock",
  "baseURI": "http://internal.company.com:9080",
  "condition": "${matches(request.uri.path, '^/rocksock')}",
  "monitor": false,
  "capture": [
    "request",
    "response"
  ],
  "heap": [
    {
      "type": "ClientHandler",
      "name": "ClientHandler",
      "capture": [
        "request",
        "response"
      ]
    }
  ],
  "handler": "ClientHandler"
}
"""


async def test_the_rocksock_route_from_openig_studio_loads_and_proxies(
    serve: Serve, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    route = json.loads(ROCKSOCK)
    route["baseURI"] = upstream.url
    gateway = await serve(**{"10-rocksock.json": route})
    async with http.get(f"{gateway.admin}/admin/api/routes") as response:
        states = (await response.json())["routes"]
    assert [(r["name"], r["state"], r["errors"]) for r in states] == [("rocksock", "loaded", [])]
    async with http.get(f"{gateway.url}/rocksock/") as response:
        assert response.status == 200
    async with http.get(f"{gateway.url}/elsewhere") as response:
        assert response.status == 404
    assert [r["raw_path"] for r in upstream.seen] == ["/rocksock/"]
