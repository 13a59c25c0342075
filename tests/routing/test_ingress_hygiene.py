"""Ingress hygiene: headers a client names in Connection are removed on the way in, before any filter
runs (they can never delete a header the gateway adds), a client cannot send a header a route adds,
and no version banner in a Server header."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.policy.conftest import GATEWAY_POLICIES, pdp_object
from tests.policy.interop import signer_provider
from tests.support.auth_routes import header
from tests.support.gateway import running_gateway, write_route
from tests.support.signer_issuer import AUDIENCE, SignerIssuer
from tests.support.upstream import Upstream, raw_request, read_response, running_upstream

TAG = {"type": "HeaderFilter", "config": {"messageType": "REQUEST", "add": {"X-Route": ["rocksock"]}}}


async def test_a_client_cannot_delete_the_headers_the_gateway_adds(routes_dir: Path) -> None:
    async with running_upstream() as upstream:
        route = {
            "baseURI": upstream.url,
            "handler": {"type": "Chain", "config": {"filters": [TAG], "handler": "ClientHandler"}},
        }
        write_route(routes_dir, "10-tag.json", route)
        async with running_gateway(routes_dir) as gateway:
            named = "keep-alive, X-Route, X-Forwarded-Proto, X-Forwarded-Host, X-Forwarded-For, X-Note"
            answer = await raw_request(gateway.url, "/a", headers=[("Connection", named), ("X-Note", "hop")])
    assert answer.status == 200
    seen = {name.lower(): value for name, value in answer.json()["headers"]}
    assert seen["x-route"] == "rocksock"
    assert seen["x-forwarded-proto"] == "http"
    assert seen["x-forwarded-for"] == "127.0.0.1"
    assert "x-forwarded-host" in seen
    # What the client named is still hop-by-hop: its own header does not reach the upstream.
    assert "x-note" not in seen


async def test_a_client_cannot_send_a_header_a_route_adds(routes_dir: Path, upstream: Upstream) -> None:
    tagged = {"condition": "${request.uri.path == '/tagged'}", "baseURI": upstream.url,
              "handler": {"type": "Chain", "config": {"filters": [TAG], "handler": "ClientHandler"}}}  # fmt: skip
    write_route(routes_dir, "10-tagged.json", tagged)
    write_route(routes_dir, "20-plain.json", {"baseURI": upstream.url, "handler": "ClientHandler"})
    forged = [("X-Route", "forged"), ("x_route", "forged"), ("X-ROUTE", "forged"), ("X-Other", "kept")]
    async with running_gateway(routes_dir) as gateway:
        tagged_answer = await raw_request(gateway.url, "/tagged", headers=forged)
        plain_answer = await raw_request(gateway.url, "/plain", headers=forged)
    assert (tagged_answer.status, plain_answer.status) == (200, 200)
    by_tagged, by_plain = tagged_answer.json(), plain_answer.json()
    # The route's value alone (an upstream reading the first value must not read the client's) ...
    assert [v for k, v in by_tagged["headers"] if k.lower().replace("_", "-") == "x-route"] == ["rocksock"]
    # ... and on every route, as with identity headers: a route may rely on another's filter for it.
    assert [k for k, _ in by_plain["headers"] if k.lower().replace("_", "-") == "x-route"] == []
    assert header(by_plain, "X-Other") == ["kept"]


async def test_a_client_cannot_send_a_header_a_shared_filter_adds(routes_dir: Path, upstream: Upstream) -> None:
    shared = {"name": "tag", **TAG}
    write_route(routes_dir, "10-tagged.json", {"baseURI": upstream.url, "handler": {
        "type": "Chain", "config": {"filters": ["tag"], "handler": "ClientHandler"}}})  # fmt: skip
    async with running_gateway(routes_dir, heap=[shared]) as gateway:
        answer = await raw_request(gateway.url, "/x", headers=[("X-Route", "forged")])
    assert answer.status == 200
    assert header(answer.json(), "X-Route") == ["rocksock"]


async def test_forwarding_headers_a_route_adds_reach_the_upstream_and_a_clients_do_not(
    routes_dir: Path, upstream: Upstream
) -> None:
    prefix = {"type": "HeaderFilter", "config": {"messageType": "REQUEST", "add": {"X-Forwarded-Prefix": ["/shop"]}}}
    write_route(routes_dir, "10-shop.json", {"baseURI": upstream.url, "handler": {
        "type": "Chain", "config": {"filters": [prefix], "handler": "ClientHandler"}}})  # fmt: skip
    forged = [("X-Forwarded-Prefix", "/admin"), ("X_Forwarded_Prefix", "/admin"), ("X-Real-IP", "6.6.6.6")]
    async with running_gateway(routes_dir) as gateway:
        answer = await raw_request(gateway.url, "/x", headers=[("Connection", "X-Forwarded-Prefix"), *forged])
    assert answer.status == 200
    record = answer.json()
    assert [v for k, v in record["headers"] if k.lower().replace("_", "-") == "x-forwarded-prefix"] == ["/shop"]
    assert header(record, "X-Real-IP") == []


async def test_a_client_cannot_delete_identity_or_policy_headers(
    routes_dir: Path, upstream: Upstream, signer: SignerIssuer, tmp_path: Path
) -> None:
    identity = {"X-User": "${identity.sub}"}
    bearer = {"provider": "signer", "audience": AUDIENCE, "identityHeaders": identity}
    pep = {"pdp": "pdp", "resources": ["/todos"], "cache": {"enabled": False}, "headers": {"X-Decision": "permit"}}
    filters = [{"type": "BearerTokenFilter", "config": bearer}, {"type": "PolicyEnforcementFilter", "config": pep}]
    route = {
        "baseURI": upstream.url,
        "handler": {"type": "Chain", "config": {"filters": filters, "handler": "ClientHandler"}},
    }
    write_route(routes_dir, "10-api.json", route)
    heap = [signer_provider(signer), pdp_object(GATEWAY_POLICIES, listen=None, tokens=[])]
    named = [
        ("Connection", "keep-alive, X-User, X-Decision, X-Forwarded-For"),
        ("Authorization", f"Bearer {signer.access_token()}"),
    ]
    async with running_gateway(routes_dir, heap=heap, state=str(tmp_path / "s")) as gateway:
        answer = await raw_request(gateway.url, "/todos", headers=[*named, ("X-User", "mallory")])
    assert answer.status == 200, answer.body
    record = answer.json()
    assert header(record, "X-User") == ["carol"]
    assert header(record, "X-Decision") == ["permit"]
    assert header(record, "X-Forwarded-For") == ["127.0.0.1"]


async def test_pages_the_gateway_makes_carry_no_version_banner(routes_dir: Path) -> None:
    static = {"type": "StaticResponseHandler", "config": {"status": 200, "entity": "hello"}}
    write_route(routes_dir, "10-hello.json", {"condition": "${request.uri.path == '/hello'}", "handler": static})
    async with running_gateway(routes_dir) as gateway:
        made = await raw_request(gateway.url, "/hello")
        refused = await raw_request(gateway.url, "/nowhere")
    assert (made.status, refused.status) == (200, 404)
    assert made.all("Server") == refused.all("Server") == ["gateway"]


async def test_an_idle_kept_alive_connection_is_closed_after_the_keep_alive_timeout(routes_dir: Path) -> None:
    static = {"type": "StaticResponseHandler", "config": {"status": 200, "entity": "hello"}}
    write_route(routes_dir, "10-hello.json", {"handler": static})
    async with running_gateway(routes_dir, limits={"keepAliveTimeout": 0.3}) as gateway:
        host, _, port = gateway.url.removeprefix("http://").rpartition(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = await read_response(reader)
        # The server ends the idle connection by itself: EOF, long before the test's own deadline.
        closed = await asyncio.wait_for(reader.read(), timeout=10)
        writer.close()
    assert answer.status == 200
    assert closed == b""
