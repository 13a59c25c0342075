"""`"timer": true` puts each timed object's time into Prometheus, by route and object; untimed routes add no series."""

from __future__ import annotations

import aiohttp

from tests.support.fixtures import Serve
from tests.support.upstream import Upstream


async def test_timed_objects_are_counted_by_route_and_name(
    serve: Serve, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    timed = {
        "baseURI": upstream.url,
        "condition": "${request.uri.path == '/t'}",
        "timer": True,
        "handler": "ClientHandler",
    }
    plain = {"baseURI": upstream.url, "handler": "ClientHandler"}
    gateway = await serve(**{"10-timed.json": timed, "20-plain.json": plain})
    for path in ("/t", "/t", "/p"):
        async with http.get(gateway.url + path) as response:
            assert response.status == 200
    async with http.get(f"{gateway.admin}/metrics") as response:
        lines = (await response.text()).splitlines()
    counts = [line for line in lines if line.startswith("gateway_object_duration_seconds_count")]
    assert counts == ['gateway_object_duration_seconds_count{object="ClientHandler",route="10-timed"} 2.0']
