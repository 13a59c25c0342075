"""Hop-by-hop headers stop at the gateway; X-Forwarded-* and Host are the gateway's to set."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.gateway import GatewayHandle, running_gateway, write_route
from tests.support.upstream import HOP_RESPONSE_HEADERS, Upstream, proxy_route, raw_request

HOP_REQUEST_HEADERS = [
    ("Connection", "keep-alive, X-Private-Hop"),
    ("Keep-Alive", "timeout=5"),
    ("TE", "trailers"),
    ("Trailer", "X-Checksum"),
    ("Upgrade", "h2c"),
    ("Proxy-Authorization", "Basic c2VjcmV0"),
    ("Proxy-Connection", "keep-alive"),
    ("X-Private-Hop", "named in Connection"),
]
HOP_NAMES = {name.lower() for name, _ in HOP_REQUEST_HEADERS} | {"transfer-encoding"}


def received(upstream: Upstream, index: int = 0) -> list[tuple[str, str]]:
    """The headers of the index-th request the upstream saw."""
    return [(k, v) for k, v in upstream.seen[index]["headers"]]


def values(pairs: list[tuple[str, str]], name: str) -> list[str]:
    """Every value of one header, by case-insensitive name."""
    return [v for k, v in pairs if k.lower() == name.lower()]


async def test_hop_by_hop_request_headers_stop_at_the_gateway(gateway: GatewayHandle, upstream: Upstream) -> None:
    sent = [*HOP_REQUEST_HEADERS, ("X-End-To-End", "kept")]
    response = await raw_request(gateway.url, "/hop-request", method="POST", headers=sent, body=b"12345")
    assert response.status == 200
    names = {k.lower() for k, _ in received(upstream)}
    assert not names & (HOP_NAMES - {"connection"})
    assert values(received(upstream), "Connection") in ([], ["keep-alive"])
    assert values(received(upstream), "X-End-To-End") == ["kept"]
    assert upstream.seen[0]["body"]["bytes"] == 5


async def test_chunked_transfer_encoding_of_the_client_is_not_forwarded_as_a_header(
    gateway: GatewayHandle, upstream: Upstream
) -> None:
    head = (
        b"POST /te HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
    )
    response = await raw_request(gateway.url, "", head=head)
    assert response.status == 200
    # The upstream leg is chunked again by the gateway itself, once.
    assert values(received(upstream), "Transfer-Encoding") == ["chunked"]
    assert upstream.seen[0]["body"]["bytes"] == 3


async def test_hop_by_hop_response_headers_stop_at_the_gateway(gateway: GatewayHandle, upstream: Upstream) -> None:
    direct = await raw_request(upstream.url, "/hop")
    for name in HOP_RESPONSE_HEADERS:
        assert direct.header(name) is not None, f"the upstream must send {name} for this test to mean anything"
    response = await raw_request(gateway.url, "/hop")
    assert response.status == 200
    assert response.body == b"hop"
    for name in HOP_RESPONSE_HEADERS:
        assert response.header(name) is None, name
    assert response.header("Connection") == "close"  # the gateway's own, for this connection
    assert response.header("X-End-To-End") == "kept"


async def test_forwarded_headers_name_the_peer_scheme_and_host(gateway: GatewayHandle, upstream: Upstream) -> None:
    head = b"GET /xff HTTP/1.1\r\nHost: public.example:8443\r\nConnection: close\r\n\r\n"
    await raw_request(gateway.url, "", head=head)
    pairs = received(upstream)
    assert values(pairs, "X-Forwarded-For") == ["127.0.0.1"]
    assert values(pairs, "X-Forwarded-Proto") == ["http"]
    assert values(pairs, "X-Forwarded-Host") == ["public.example:8443"]


async def test_client_forwarded_headers_are_discarded_from_an_untrusted_peer(
    gateway: GatewayHandle, upstream: Upstream
) -> None:
    forged = [
        ("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "bank.example"),
        ("X-Forwarded-Port", "443"), ("X-Forwarded-Prefix", "/admin"), ("Forwarded", "for=6.6.6.6;proto=https"),
        ("X-Real-IP", "6.6.6.6"), ("X_Forwarded_For", "6.6.6.6"), ("x-forwarded_host", "6.6.6.6"),
    ]  # fmt: skip
    await raw_request(gateway.url, "/forged", headers=forged)
    pairs = received(upstream)
    assert values(pairs, "X-Forwarded-For") == ["127.0.0.1"]
    assert values(pairs, "X-Forwarded-Proto") == ["http"]
    assert values(pairs, "X-Forwarded-Host") != ["bank.example"]
    for name in ("X-Forwarded-Port", "X-Forwarded-Prefix", "Forwarded", "X-Real-IP"):
        assert values(pairs, name) == [], name
    assert not [(k, v) for k, v in pairs if "6.6.6.6" in v or "bank.example" in v]


async def test_client_forwarded_headers_are_extended_from_a_trusted_proxy(routes_dir: Path, upstream: Upstream) -> None:
    write_route(routes_dir, "50-upstream.json", proxy_route(upstream.url))
    sent = [
        ("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-For", "10.0.0.2"), ("X-Forwarded-Proto", "https"),
        ("X-Forwarded-Host", "shop.example"), ("X-Forwarded-Port", "443"),
    ]  # fmt: skip
    async with running_gateway(routes_dir, trustedProxies=["127.0.0.1/32"]) as gw:
        await raw_request(gw.url, "/trusted", headers=sent)
    pairs = received(upstream)
    assert values(pairs, "X-Forwarded-For") == ["203.0.113.7, 10.0.0.2, 127.0.0.1"]
    assert values(pairs, "X-Forwarded-Proto") == ["https"]
    assert values(pairs, "X-Forwarded-Host") == ["shop.example"]
    assert values(pairs, "X-Forwarded-Port") == ["443"]


async def test_host_is_rewritten_to_the_upstream(gateway: GatewayHandle, upstream: Upstream) -> None:
    await raw_request(gateway.url, "/host")
    assert values(received(upstream), "Host") == [upstream.url.removeprefix("http://")]


async def test_keep_host_sends_the_client_host(routes_dir: Path, upstream: Upstream) -> None:
    write_route(routes_dir, "50-upstream.json", proxy_route(upstream.url, keepHost=True))
    async with running_gateway(routes_dir) as gw:
        head = b"GET /kept HTTP/1.1\r\nHost: app.example:8443\r\nConnection: close\r\n\r\n"
        response = await raw_request(gw.url, "", head=head)
    assert response.status == 200
    assert values(received(upstream), "Host") == ["app.example:8443"]
    assert values(received(upstream), "X-Forwarded-Host") == ["app.example:8443"]


async def test_request_without_host_gets_the_upstream_host_and_no_forwarded_host(
    gateway: GatewayHandle, upstream: Upstream
) -> None:
    response = await raw_request(gateway.url, "", head=b"GET /nohost HTTP/1.0\r\n\r\n")
    assert response.status == 200
    assert values(received(upstream), "Host") == [upstream.url.removeprefix("http://")]
    assert values(received(upstream), "X-Forwarded-Host") == []


@pytest.mark.parametrize(
    "framing",
    [
        b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n",
        b"Content-Length: 4\r\nContent-Length: 5\r\n",
        b"Transfer-Encoding: gzip, chunked\r\nTransfer-Encoding: identity\r\n",
        b"Transfer-Encoding: xchunked\r\n",
    ],
)
async def test_ambiguous_body_framing_is_refused_before_any_upstream(
    gateway: GatewayHandle, upstream: Upstream, framing: bytes
) -> None:
    head = b"POST /smuggle HTTP/1.1\r\nHost: gw\r\n" + framing + b"\r\n"
    response = await raw_request(
        gateway.url, "", head=head, body=b"0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: gw\r\n\r\n"
    )
    assert response.status == 400
    assert upstream.seen == []
