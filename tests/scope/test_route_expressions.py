"""Expressions in route files: typos are load errors (never empty values), file functions read the config folder."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from gateway.lint import check_paths
from tests.support.fixtures import Serve, chain, header_filter, seen_headers
from tests.support.gateway import write_route
from tests.support.upstream import Upstream, proxy_route


def test_gateway_check_reports_a_misspelt_name_with_a_did_you_mean(routes_dir: Path) -> None:
    route = proxy_route("http://127.0.0.1:9", "${contexts.client.remoteAdress == '10.0.0.1'}")
    file = write_route(routes_dir, "10-typo.json", route)
    reports = [str(e) for e in check_paths([file], None)]
    assert len(reports) == 1
    assert reports[0].startswith(f"{file}: $.condition: ")
    assert "did you mean 'remoteAddress'?" in reports[0]


async def test_a_throttle_key_with_a_typo_never_serves_with_an_empty_value(
    serve: Serve, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    rate = {"numberOfRequests": 100, "duration": "1 s"}
    config = {"requestGroupingPolicy": "${contexts.client.remoteAdress}", "rate": rate}
    grouped = {"type": "ThrottlingFilter", "config": config}
    gateway = await serve(**{"10-typo.json": {"baseURI": upstream.url, "handler": chain([grouped])}})
    async with http.get(gateway.url + "/x") as response:
        assert response.status == 503  # the broken route fails closed
    assert upstream.seen == []


async def test_read_and_read_properties_load_values_from_the_configuration_folder(
    serve: Serve, upstream: Upstream, http: aiohttp.ClientSession, routes_dir: Path
) -> None:
    (routes_dir.parent / "greeting.txt").write_text("hello", encoding="utf-8")
    (routes_dir.parent / "app.properties").write_text("team = blue\n", encoding="utf-8")
    add = {"X-Greeting": ["${read('greeting.txt')}"], "X-Team": ["${readProperties('app.properties')['team']}"]}
    gateway = await serve(
        **{"10-files.json": {"baseURI": upstream.url, "handler": chain([header_filter("REQUEST", add=add)])}}
    )
    async with http.get(gateway.url + "/f") as response:
        body = await response.read()
    assert (seen_headers(body, "X-Greeting"), seen_headers(body, "X-Team")) == (["hello"], ["blue"])
