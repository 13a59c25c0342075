"""What the client gets back: upstream failures as safe 502/504 pages, and upstream answers unchanged."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.support.gateway import GatewayHandle, running_gateway, write_route
from tests.support.process import free_port
from tests.support.upstream import Upstream, pattern_chunks, proxy_route, raw_request, read_response

JSON_ACCEPTS = [None, "application/json", "application/json, text/html;q=0.9", "*/*"]


def assert_safe_error(response_status: int, body: str, request_id: str | None, status: int) -> None:
    """A small answer that names the request and gives nothing away."""
    assert response_status == status
    assert request_id and request_id in body
    assert "Traceback" not in body and 'File "' not in body
    assert len(body) < 1024


@pytest.fixture
async def refused(routes_dir: Path) -> AsyncIterator[GatewayHandle]:
    """A gateway whose upstream port has nobody listening."""
    write_route(routes_dir, "50-down.json", proxy_route(f"http://127.0.0.1:{free_port()}"))
    async with running_gateway(routes_dir) as gw:
        yield gw


@pytest.fixture
async def slow(routes_dir: Path, upstream: Upstream) -> AsyncIterator[GatewayHandle]:
    """A gateway that waits one second for upstream data."""
    write_route(routes_dir, "50-slow.json", proxy_route(upstream.url, soTimeout="1 s"))
    async with running_gateway(routes_dir) as gw:
        yield gw


@pytest.mark.parametrize("accept", JSON_ACCEPTS)
async def test_refused_upstream_is_a_json_502_with_the_request_id(refused: GatewayHandle, accept: str | None) -> None:
    headers = [("Accept", accept)] if accept else []
    response = await raw_request(refused.url, "/anything", headers=headers)
    assert_safe_error(response.status, response.body.decode(), response.header("X-Request-Id"), 502)
    assert response.header("Content-Type") == "application/json; charset=utf-8"
    payload = response.json()
    assert payload["error"] == "upstream_unavailable"
    assert payload["request_id"] == response.header("X-Request-Id")


async def test_refused_upstream_is_an_html_502_for_a_browser(refused: GatewayHandle) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = await raw_request(refused.url, "/page", headers=[("Accept", accept)])
    body = response.body.decode()
    assert_safe_error(response.status, body, response.header("X-Request-Id"), 502)
    assert response.header("Content-Type") == "text/html; charset=utf-8"
    assert body.startswith("<!doctype html>")


@pytest.mark.parametrize(("accept", "kind"), [(None, "application/json"), ("text/html", "text/html")])
async def test_silent_upstream_is_a_504_in_the_preferred_form(
    slow: GatewayHandle, upstream: Upstream, accept: str | None, kind: str
) -> None:
    headers = [("Accept", accept)] if accept else []
    response = await raw_request(slow.url, "/slow?delay=30", headers=headers)
    assert_safe_error(response.status, response.body.decode(), response.header("X-Request-Id"), 504)
    assert response.header("Content-Type").startswith(kind)
    assert upstream.paths == ["/slow?delay=30"]


async def test_a_shorter_read_timeout_holds_on_a_connection_a_longer_one_used_before(
    routes_dir: Path, upstream: Upstream
) -> None:
    # Both routes share the kept-alive upstream connection, whose one read timer the first armed for 60 s.
    write_route(routes_dir, "10-patient.json", proxy_route(upstream.url, "${startsWith(request.uri.path, '/a')}"))
    write_route(routes_dir, "20-hasty.json", proxy_route(upstream.url, soTimeout="1 s"))
    async with running_gateway(routes_dir) as gw:
        assert (await raw_request(gw.url, "/a/first")).status == 200
        response = await asyncio.wait_for(raw_request(gw.url, "/slow?delay=30"), 20)
    assert response.status == 504
    assert len({record["peer_port"] for record in upstream.seen}) == 1


async def test_upstream_that_breaks_off_mid_body_cuts_the_client_connection(
    routes_dir: Path, upstream: Upstream
) -> None:
    write_route(routes_dir, "50-slow.json", proxy_route(upstream.url, soTimeout="1 s"))
    params = {"size": 10 << 20, "stall": "1"}
    async with (
        running_gateway(routes_dir) as gw,
        aiohttp.ClientSession() as http,
        http.get(f"{gw.url}/big", params=params) as response,
    ):
        assert response.status == 200
        with pytest.raises(aiohttp.ClientPayloadError):
            await response.read()


async def test_head_keeps_the_length_and_sends_no_body(gateway: GatewayHandle, upstream: Upstream) -> None:
    host, port = gateway.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        for size in (100, 200_000):
            writer.write(f"HEAD /fixed?size={size} HTTP/1.1\r\nHost: gw\r\n\r\n".encode())
            head = await read_response(reader, "HEAD")
            assert head.status == 200
            assert head.header("Content-Length") == str(size)
        # A stray body after a HEAD answer would be read here as the next status line.
        writer.write(b"GET /fixed?size=5 HTTP/1.1\r\nHost: gw\r\n\r\n")
        after = await read_response(reader)
        assert (after.status, after.body) == (200, b"".join(pattern_chunks(5)))
    finally:
        writer.close()
        await writer.wait_closed()
    assert [r["method"] for r in upstream.seen] == ["HEAD", "HEAD", "GET"]


async def test_no_content_passes_without_a_body(gateway: GatewayHandle) -> None:
    response = await raw_request(gateway.url, "/nocontent")
    assert response.status == 204
    assert response.header("X-Kind") == "nocontent"
    assert response.header("Content-Length") is None
    assert response.header("Transfer-Encoding") is None


async def test_not_modified_passes_with_its_validators(gateway: GatewayHandle, upstream: Upstream) -> None:
    response = await raw_request(gateway.url, "/notmodified", headers=[("If-None-Match", '"v1"')])
    assert response.status == 304
    assert response.header("ETag") == '"v1"'
    assert response.header("Cache-Control") == "max-age=60"
    assert response.header("Transfer-Encoding") is None
    assert ["If-None-Match", '"v1"'] in upstream.seen[0]["headers"]


async def test_redirect_is_passed_to_the_client_not_followed(gateway: GatewayHandle, upstream: Upstream) -> None:
    response = await raw_request(gateway.url, "/redirect")
    assert response.status == 302
    assert response.header("Location") == "/elsewhere"
    assert upstream.paths == ["/redirect"]


@pytest.mark.parametrize("size", [1000, 2 << 20])
async def test_compressed_body_passes_unchanged(gateway: GatewayHandle, upstream: Upstream, size: int) -> None:
    expected = gzip.compress(b"".join(pattern_chunks(size)), mtime=0)
    response = await raw_request(gateway.url, f"/gzip?size={size}", headers=[("Accept-Encoding", "gzip")])
    assert response.status == 200
    assert response.header("Content-Encoding") == "gzip"
    assert response.header("Vary") == "Accept-Encoding"
    assert hashlib.sha256(response.body).hexdigest() == hashlib.sha256(expected).hexdigest()
    assert ["Accept-Encoding", "gzip"] in upstream.seen[0]["headers"]


async def test_sequential_requests_share_one_upstream_connection(gateway: GatewayHandle, upstream: Upstream) -> None:
    for index in range(8):
        response = await raw_request(gateway.url, f"/pool/{index}", method="POST" if index % 2 else "GET", body=b"x")
        assert response.status == 200
    assert len(upstream.seen) == 8
    assert len({record["peer_port"] for record in upstream.seen}) == 1


async def test_routes_to_one_upstream_share_its_connections(routes_dir: Path, upstream: Upstream) -> None:
    write_route(routes_dir, "10-a.json", proxy_route(upstream.url, "${startsWith(request.uri.path, '/a')}"))
    write_route(routes_dir, "20-b.json", proxy_route(upstream.url, "${startsWith(request.uri.path, '/b')}"))
    async with running_gateway(routes_dir) as gw:
        for index in range(6):
            response = await raw_request(gw.url, f"/{'ab'[index % 2]}/{index}")
            assert response.status == 200
    assert upstream.paths == ["/a/0", "/b/1", "/a/2", "/b/3", "/a/4", "/b/5"]
    assert len({record["peer_port"] for record in upstream.seen}) == 1


async def test_expect_continue_is_answered_by_the_gateway(gateway: GatewayHandle, upstream: Upstream) -> None:
    host, port = gateway.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(b"PUT /expect HTTP/1.1\r\nHost: gw\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
        interim = await asyncio.wait_for(read_response(reader), 10)
        assert interim.status == 100
        writer.write(b"body")
        final = await read_response(reader)
    finally:
        writer.close()
        await writer.wait_closed()
    assert final.status == 200
    assert upstream.seen[0]["body"]["bytes"] == 4
    assert "expect" not in {k.lower() for k, _ in upstream.seen[0]["headers"]}


async def test_unknown_expectation_is_refused_with_417(gateway: GatewayHandle, upstream: Upstream) -> None:
    response = await raw_request(gateway.url, "/expect", method="PUT", headers=[("Expect", "teapot")], body=b"x")
    assert response.status == 417
    assert upstream.seen == []
