"""ClientHandler forwards method, target, headers and bodies byte-exact, through a real gateway."""

from __future__ import annotations

import hashlib
import io
import os

import aiohttp
import pytest

from tests.support.gateway import GatewayHandle
from tests.support.upstream import Upstream, pattern_digest, raw_request

TARGETS = [
    "/a%2Fb%2fc",
    "/plus+sign?q=a+b",
    "/matrix;v=1/x;y",
    "/space%20here?s=%20",
    "/percent%25literal?p=%25",
    "/caf%C3%A9/%E2%82%AC?name=%F0%9F%98%80",
    "/repeat?x=1&x=2&x=3",
    "/odd?a=1&&b=&=c&d",
    "/keys?%2F=%2f&semi=a;b",
    "/UPPER%2a?%7e",  # an escaped unreserved character in the path is decoded (tests/http/test_paths.py)
    "/trailing/slash/",
    "/dots.in.names/file.tar.gz?v=1.2",
]


@pytest.mark.parametrize("target", TARGETS)
async def test_target_reaches_upstream_byte_exact(gateway: GatewayHandle, upstream: Upstream, target: str) -> None:
    response = await raw_request(gateway.url, target)
    assert response.status == 200, response.body
    assert response.json()["raw_path"] == target
    assert upstream.paths == [target]


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PROPFIND", "PURGE"])
async def test_method_reaches_upstream_unchanged(gateway: GatewayHandle, upstream: Upstream, method: str) -> None:
    response = await raw_request(gateway.url, "/m?x=1", method=method, body=b"payload")
    assert response.status == 200
    assert upstream.seen[0]["method"] == method
    assert upstream.seen[0]["body"]["sha256"] == hashlib.sha256(b"payload").hexdigest()


async def test_absolute_form_target_is_forwarded_in_origin_form(gateway: GatewayHandle, upstream: Upstream) -> None:
    response = await raw_request(gateway.url, "http://elsewhere.example/a%2Fb?x=1")
    assert response.status == 200, response.body
    assert upstream.paths == ["/a%2Fb?x=1"]


@pytest.mark.parametrize("target", ["/empty?", "/?", "/a%2Fb?", "http://elsewhere.example/x?"])
async def test_empty_query_keeps_its_question_mark(gateway: GatewayHandle, upstream: Upstream, target: str) -> None:
    response = await raw_request(gateway.url, target)
    assert response.status == 200
    assert upstream.paths == [target.removeprefix("http://elsewhere.example")]


async def test_request_headers_pass_with_repeats_and_order(gateway: GatewayHandle, upstream: Upstream) -> None:
    sent = [
        ("X-Multi", "one"), ("Accept", "text/csv"), ("X-Multi", "two"), ("Cookie", "s=1; t=2"),
        ("User-Agent", "raw-test/1"), ("Accept-Encoding", "br"), ("Authorization", "Bearer abc"),
        ("X-Empty", ""), ("Content-Type", "application/x-custom"),
    ]  # fmt: skip
    response = await raw_request(gateway.url, "/h", method="POST", headers=sent, body=b"{}")
    assert response.status == 200
    received = [(k, v) for k, v in upstream.seen[0]["headers"]]
    for pair in sent:
        assert pair in received
    assert [v for k, v in received if k == "X-Multi"] == ["one", "two"]
    assert len([k for k, _ in received if k.lower() == "user-agent"]) == 1


async def test_no_default_headers_are_invented(gateway: GatewayHandle, upstream: Upstream) -> None:
    head = b"POST /bare HTTP/1.1\r\nHost: gw\r\nContent-Length: 3\r\nConnection: close\r\n\r\n"
    response = await raw_request(gateway.url, "", head=head, body=b"abc")
    assert response.status == 200
    names = {k.lower() for k, _ in upstream.seen[0]["headers"]}
    assert not names & {"content-type", "accept", "accept-encoding", "user-agent"}


async def test_duplicate_set_cookie_headers_reach_the_client(gateway: GatewayHandle) -> None:
    response = await raw_request(gateway.url, "/cookies")
    assert response.all("Set-Cookie") == ["a=1; Path=/", "b=2; Path=/"]


@pytest.mark.parametrize("size", [0, 1, 65536, 65537, 3 * 1024 * 1024 + 7])
async def test_request_body_arrives_byte_exact(
    gateway: GatewayHandle, upstream: Upstream, http: aiohttp.ClientSession, size: int
) -> None:
    body = os.urandom(size)
    async with http.post(f"{gateway.url}/upload", data=io.BytesIO(body)) as response:
        assert response.status == 200
    assert upstream.seen[0]["body"] == {"bytes": size, "sha256": hashlib.sha256(body).hexdigest()}
    assert not upstream.seen[0]["chunked"]


@pytest.mark.parametrize("size", [0, 10, 65536, 65537, 5 * 1024 * 1024 + 3])
@pytest.mark.parametrize("length", ["0", "1"])
async def test_response_body_arrives_byte_exact(
    gateway: GatewayHandle, http: aiohttp.ClientSession, size: int, length: str
) -> None:
    async with http.get(f"{gateway.url}/big", params={"size": size, "length": length}) as response:
        body = await response.read()
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/octet-stream"
        if length == "1":
            assert response.headers["Content-Length"] == str(size)
    assert hashlib.sha256(body).hexdigest() == pattern_digest(size)
