"""Every binding of the expression scope, read through a real gateway and checked against what OpenIG documents."""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any

import aiohttp
import pytest

from gateway.scope.contexts import ExchangeAlias
from tests.support.fixtures import Serve, chain, header_filter, seen_headers
from tests.support.upstream import Upstream

# Header name -> expression; the upstream echoes what it received, so each value is checked there.
BINDINGS = {
    "X-Method": "${request.method}",
    "X-Exchange-Method": "${exchange.request.method}",
    "X-Uri": "${request.uri}",
    "X-Uri-Value": "${request.uri.value}",
    "X-Path": "${request.uri.path}",
    "X-Raw-Path": "${request.uri.rawPath}",
    "X-Query": "${request.uri.query}",
    "X-Raw-Query": "${request.uri.rawQuery}",
    "X-Host": "${request.uri.host}",
    "X-Port": "${request.uri.port}",
    "X-Authority": "${request.uri.authority}",
    "X-Scheme": "${request.uri.scheme}",
    "X-User-Info": "[${request.uri.userInfo}]",
    "X-Fragment": "[${request.uri.fragment}]",
    "X-Cookie": "${request.cookies['flavour'][0].value}",
    "X-Param": "${request.queryParams['q'][0]}",
    "X-Remote": "${contexts.client.remoteAddress}",
    "X-Remote-Port": "${contexts.client.remotePort > 0}",
    "X-Local": "${contexts.client.localAddress}",
    "X-Local-Port": "${contexts.client.localPort > 0}",
    "X-Agent": "${contexts.client.userAgent}",
    "X-Secure": "${contexts.client.isSecure}",
    "X-Remote-User": "[${contexts.client.remoteUser}]",
    "X-Certificates": "${length(contexts.client.certificates)}",
    "X-Context": "${context.client.remoteAddress}",
    "X-Original": "${contexts.router.originalUri}",
    "X-Matched": "[${contexts.router.matchedUri}]",
    "X-Remaining": "${contexts.router.remainingUri}",
    "X-System": "${system['file.separator']}",
    "X-Attributes": "${empty exchange.attributes}",
}


async def _echo(serve: Serve, upstream: Upstream, http: aiohttp.ClientSession, target: str) -> dict[str, Any]:
    add = {name: [value] for name, value in BINDINGS.items()}
    route = {"baseURI": upstream.url, "handler": chain([header_filter("REQUEST", add=add)])}
    gateway = await serve(**{"10-bindings.json": route})
    headers = {"User-Agent": "probe/1.0", "Cookie": "flavour=vanilla"}
    async with http.get(gateway.url + target, headers=headers) as response:
        body = await response.read()
    return {"gateway": gateway.url, "body": body}


async def test_each_request_binding_has_the_value_openig_documents(
    serve: Serve, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    seen = await _echo(serve, upstream, http, "/a%20b/c?q=x%26y&r=1")
    body, base = seen["body"], seen["gateway"]
    port = base.rsplit(":", 1)[1]

    def value(name: str) -> str:
        return seen_headers(body, name)[0]

    expected = {
        "X-Method": "GET", "X-Exchange-Method": "GET",
        "X-Uri": f"{base}/a%20b/c?q=x%26y&r=1", "X-Uri-Value": f"{base}/a%20b/c?q=x%26y&r=1",
        "X-Path": "/a b/c", "X-Raw-Path": "/a%20b/c", "X-Query": "q=x&y&r=1", "X-Raw-Query": "q=x%26y&r=1",
        "X-Host": "127.0.0.1", "X-Port": port, "X-Authority": f"127.0.0.1:{port}", "X-Scheme": "http",
        "X-User-Info": "[]", "X-Fragment": "[]", "X-Cookie": "vanilla", "X-Param": "x&y",
        "X-Remote": "127.0.0.1", "X-Remote-Port": "true", "X-Local": "127.0.0.1", "X-Local-Port": "true",
        "X-Agent": "probe/1.0", "X-Secure": "false", "X-Remote-User": "[]", "X-Certificates": "0",
        "X-Context": "127.0.0.1", "X-Original": f"{base}/a%20b/c?q=x%26y&r=1", "X-Matched": "[]",
        "X-Remaining": "a%20b/c", "X-System": "/", "X-Attributes": "true",
    }  # fmt: skip
    assert {name: value(name) for name in expected} == expected


async def test_the_uri_compares_with_text_as_its_text(
    serve: Serve, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    route = {
        "condition": "${request.uri == 'http://' += request.headers['Host'][0] += '/exact?x=1'}",
        "baseURI": upstream.url,
        "handler": "ClientHandler",
    }
    gateway = await serve(**{"10-uri.json": route})
    async with http.get(gateway.url + "/exact?x=1") as response:
        assert response.status == 200
    async with http.get(gateway.url + "/exact?x=2") as response:
        assert response.status == 404


async def test_exchange_principal_names_the_authenticated_subject() -> None:
    alias = ExchangeAlias({"identity": {"sub": "alice"}})
    assert alias.get("principal") == {"name": "alice"}
    assert ExchangeAlias({"identity": {}}).get("principal") is None


async def test_a_uri_without_query_has_null_query_parts(
    serve: Serve, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    route = {
        "baseURI": upstream.url,
        "handler": chain([header_filter("REQUEST", add={"X-Q": ["[${request.uri.query == null}]"]})]),
    }
    gateway = await serve(**{"10-q.json": route})
    async with http.get(gateway.url + "/plain") as response:
        assert seen_headers(await response.read(), "X-Q") == ["[true]"]


async def test_response_bindings_are_seen_by_a_response_side_filter(
    serve: Serve, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    add = {
        "X-Status": ["${response.status.code}"],
        "X-Family": ["${response.status.family}"],
        "X-Type": ["${exchange.response.headers['Content-Type'][0]}"],
    }
    route = {"baseURI": upstream.url, "handler": chain([header_filter("RESPONSE", add=add)])}
    gateway = await serve(**{"10-response.json": route})
    async with http.get(gateway.url + "/r") as response:
        got = (response.headers["X-Status"], response.headers["X-Family"], response.headers["X-Type"])
    assert got == ("200", "2", "application/json; charset=utf-8")


def _entity_route(upstream: Upstream) -> dict[str, Any]:
    add = {"X-Entity": ["${request.entity.string}"], "X-Form": ["${request.entity.form['b'][0]}"]}
    return {
        "condition": "${request.entity.json.kind == 'wanted' || request.entity.form['kind'][0] == 'wanted'}",
        "baseURI": upstream.url,
        "handler": chain([header_filter("REQUEST", add=add)]),
    }


async def test_a_condition_on_the_json_entity_routes_and_the_body_still_arrives_intact(
    serve: Serve, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    gateway = await serve(**{"10-entity.json": _entity_route(upstream)})
    body = json.dumps({"kind": "wanted", "n": 1}).encode()
    async with http.post(gateway.url + "/e", data=body, headers={"Content-Type": "application/json"}) as response:
        record = json.loads(await response.read())
    assert record["body"] == {"bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    assert seen_headers(json.dumps(record).encode(), "X-Entity") == [body.decode()]


async def test_a_form_entity_is_read_as_a_map_of_lists(
    serve: Serve, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    gateway = await serve(**{"10-entity.json": _entity_route(upstream)})
    async with http.post(gateway.url + "/e", data={"kind": "wanted", "b": "two words"}) as response:
        assert seen_headers(await response.read(), "X-Form") == ["two words"]
    async with http.post(gateway.url + "/e", data={"kind": "other"}) as response:
        assert response.status == 404


@pytest.mark.parametrize("size", [10, 3 << 20])
async def test_a_body_of_any_size_is_forwarded_unchanged_when_an_expression_reads_the_entity(
    serve: Serve, upstream: Upstream, http: aiohttp.ClientSession, size: int
) -> None:
    route = {
        "baseURI": upstream.url,
        "handler": chain([header_filter("REQUEST", add={"X-Len": ["${length(request.entity.string)}"]})]),
    }
    gateway = await serve(**{"10-len.json": route})
    body = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    async with http.post(gateway.url + "/upload", data=io.BytesIO(body)) as response:
        record = json.loads(await response.read())
    assert record["body"] == {"bytes": size, "sha256": hashlib.sha256(body).hexdigest()}
    # Above the limit the entity is not offered to expressions (null has length 0).
    assert seen_headers(json.dumps(record).encode(), "X-Len") == [str(size) if size < 1 << 20 else "0"]
