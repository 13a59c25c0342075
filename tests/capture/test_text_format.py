"""The text capture format, read line by line from files a real gateway wrote."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import aiohttp
from yarl import URL

from tests.capture.conftest import TEXT, captured_route, text_records
from tests.support.gateway import GatewayHandle, running_gateway, write_route
from tests.support.upstream import Upstream

BARE = ("Accept", "Accept-Encoding", "User-Agent")


def settings(folder: Path) -> dict[str, Any]:
    return {"capture": {"dir": str(folder)}}


def capturing(
    routes_dir: Path, base_uri: str, folder: Path, **extra: Any
) -> AbstractAsyncContextManager[GatewayHandle]:
    """A gateway whose route `app` proxies to `base_uri`, captured in the text format into `folder`."""
    write_route(routes_dir, "10-app.json", captured_route(base_uri, **extra))
    return running_gateway(routes_dir, **settings(folder))


async def test_route_and_client_capture_write_four_records_sharing_one_id(
    routes_dir: Path, upstream: Upstream, capture_dir: Path, http: aiohttp.ClientSession
) -> None:
    async with capturing(routes_dir, upstream.url, capture_dir) as gw:
        async with http.get(f"{gw.url}/orders/7?page=2", headers={"X-Test": "yes"}, skip_auto_headers=BARE) as r:
            assert r.status == 200
            await r.read()
            received = r.headers
        inbound_req, outbound_req, outbound_resp, inbound_resp = await text_records(gw, capture_dir, "app", 4)
    gateway, origin = URL(gw.url), URL(upstream.url)
    assert len({inbound_req.id, outbound_req.id, outbound_resp.id, inbound_resp.id}) == 1
    assert inbound_req.lines == [
        f"--- (request) id:{inbound_req.id} --->",
        "",
        f"GET {gw.url}/orders/7?page=2 HTTP/1.1",
        f"Host: {gateway.host}:{gateway.port}",
        "X-Test: yes",
        "",
    ]
    assert outbound_req.lines == [
        f"--- (request) id:{inbound_req.id} --->",
        "",
        f"GET {upstream.url}/orders/7?page=2 HTTP/1.1",
        f"Host: {origin.host}:{origin.port}",
        "X-Test: yes",
        "X-Forwarded-For: 127.0.0.1",
        "X-Forwarded-Proto: http",
        f"X-Forwarded-Host: {gateway.host}:{gateway.port}",
        "",
    ]
    assert outbound_req.headers == [(name, value) for name, value in upstream.seen[-1]["headers"]]
    for record in (outbound_resp, inbound_resp):
        assert record.lines[:3] == [f"<--- (response) id:{inbound_req.id} ---", "", "HTTP/1.1 200 OK"]
        assert record.header("Content-Type") == ["application/json; charset=utf-8"]
        assert record.header("Content-Length") == [received["Content-Length"]]
        assert record.header("Date") == [received["Date"]]
        assert record.header("Set-Cookie") == ["*****", "*****"]
        assert record.body == ["[entity]"]
        assert record.lines[-3:] == ["", "[entity]", ""]
    # Hop-by-hop headers of the upstream never reach the client, and the capture shows that.
    assert not outbound_resp.header("Keep-Alive")


async def test_each_request_gets_its_own_id(
    routes_dir: Path, upstream: Upstream, capture_dir: Path, http: aiohttp.ClientSession
) -> None:
    async with capturing(routes_dir, upstream.url, capture_dir) as gw:
        for _ in range(3):
            async with http.get(f"{gw.url}/x") as r:
                await r.read()
        records = await text_records(gw, capture_dir, "app", 12)
    ids = [r.id for r in records]
    assert len(set(ids)) == 3
    assert [ids[i : i + 4].count(ids[i]) for i in range(0, 12, 4)] == [4, 4, 4]


async def test_text_entities_are_written_in_both_directions(
    routes_dir: Path, text_upstream: str, capture_dir: Path, http: aiohttp.ClientSession
) -> None:
    write_route(routes_dir, "10-app.json", captured_route(text_upstream, decorator={"captureEntity": True}))
    body = '{"order": 7, "note": "ünïcode"}'
    async with running_gateway(routes_dir, **settings(capture_dir)) as gw:
        async with http.post(f"{gw.url}/echo", data=body.encode(), headers={"Content-Type": "application/json"}) as r:
            assert await r.text() == body
        records = await text_records(gw, capture_dir, "app", 4)
    assert [r.point for r in records] == ["request", "request", "response", "response"]
    for record in records:
        assert record.body == [body]
    assert records[0].start == f"POST {gw.url}/echo HTTP/1.1"
    assert records[1].start == f"POST {text_upstream}/echo HTTP/1.1"


async def test_a_message_without_body_has_no_entity_line(
    routes_dir: Path, upstream: Upstream, capture_dir: Path, http: aiohttp.ClientSession
) -> None:
    async with capturing(routes_dir, upstream.url, capture_dir, decorator={"captureEntity": True}) as gw:
        async with http.get(f"{gw.url}/nocontent") as r:
            assert r.status == 204
        records = await text_records(gw, capture_dir, "app", 4)
    assert [r.body for r in records] == [[], [], [], []]
    assert records[2].start == "HTTP/1.1 204 No Content"


async def test_binary_entities_are_marked_not_written(
    routes_dir: Path, text_upstream: str, capture_dir: Path, http: aiohttp.ClientSession
) -> None:
    write_route(routes_dir, "10-app.json", captured_route(text_upstream, decorator={"captureEntity": True}))
    payload = bytes(range(256)) * 4
    async with running_gateway(routes_dir, **settings(capture_dir)) as gw:
        headers = {"Content-Type": "application/octet-stream"}
        async with http.post(f"{gw.url}/echo", data=payload, headers=headers) as r:
            assert await r.read() == payload
        records = await text_records(gw, capture_dir, "app", 4)
    assert [r.body for r in records] == [["[binary entity]"]] * 4


async def test_compressed_text_counts_as_binary(
    routes_dir: Path, upstream: Upstream, capture_dir: Path, http: aiohttp.ClientSession
) -> None:
    async with capturing(routes_dir, upstream.url, capture_dir, decorator={"captureEntity": True}) as gw:
        async with http.get(f"{gw.url}/gzip?size=1000") as r:
            assert r.headers["Content-Encoding"] == "gzip"
            await r.read()
        records = await text_records(gw, capture_dir, "app", 4)
    assert records[3].body == ["[binary entity]"]


async def test_entities_are_cut_at_max_entity_length_with_a_marker(
    routes_dir: Path, text_upstream: str, capture_dir: Path, http: aiohttp.ClientSession
) -> None:
    decorator = {"captureEntity": True, "maxEntityLength": 100}
    write_route(routes_dir, "10-app.json", captured_route(text_upstream, decorator=decorator))
    body = (TEXT * 30)[:1000]
    async with running_gateway(routes_dir, **settings(capture_dir)) as gw:
        async with http.post(f"{gw.url}/echo", data=body, headers={"Content-Type": "text/plain"}) as r:
            assert await r.text() == body
        records = await text_records(gw, capture_dir, "app", 4)
    for record in records:
        assert record.body == [body[:100], "[... 900 more bytes]"]


async def test_streamed_body_flows_whole_while_the_capture_keeps_its_head(
    routes_dir: Path, text_upstream: str, capture_dir: Path, http: aiohttp.ClientSession
) -> None:
    decorator = {"captureEntity": True, "maxEntityLength": 64}
    write_route(routes_dir, "10-app.json", captured_route(text_upstream, decorator=decorator))
    size = 5 * 1024 * 1024
    async with running_gateway(routes_dir, **settings(capture_dir)) as gw:
        async with http.get(f"{gw.url}/text?size={size}") as r:
            assert r.headers.get("Transfer-Encoding") == "chunked"
            received = await r.read()
        records = await text_records(gw, capture_dir, "app", 4)
    assert len(received) == size
    assert received == (TEXT * (size // len(TEXT) + 1)).encode()[:size]
    for response in records[2:]:
        assert response.body == [(TEXT * 2)[:64], f"[... {size - 64} more bytes]"]


async def test_streamed_request_body_is_teed_on_its_way_upstream(
    routes_dir: Path, text_upstream: str, capture_dir: Path, http: aiohttp.ClientSession
) -> None:
    decorator = {"captureEntity": True, "maxEntityLength": 45}
    write_route(routes_dir, "10-app.json", captured_route(text_upstream, decorator=decorator))
    chunk = TEXT.encode() * 1000

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield chunk

    async with running_gateway(routes_dir, **settings(capture_dir)) as gw:
        headers = {"Content-Type": "text/plain"}
        async with http.post(f"{gw.url}/echo", data=chunks(), headers=headers) as r:
            assert await r.read() == chunk * 20
        records = await text_records(gw, capture_dir, "app", 4)
    inbound, outbound = records[0], records[1]
    assert inbound.header("Transfer-Encoding") == ["chunked"]
    assert outbound.header("Transfer-Encoding") == ["chunked"]
    for request in (inbound, outbound):
        assert request.body == [TEXT, f"[... {len(chunk) * 20 - 45} more bytes]"]


async def test_upstream_failure_is_recorded_with_its_reason(
    routes_dir: Path, capture_dir: Path, http: aiohttp.ClientSession
) -> None:
    async with capturing(routes_dir, "http://127.0.0.1:9", capture_dir) as gw:
        async with http.get(f"{gw.url}/down", headers={"Accept": "application/json"}) as r:
            assert r.status == 502
            await r.read()
        records = await text_records(gw, capture_dir, "app", 4)
    for response in records[2:]:
        assert response.start == "HTTP/1.1 502 Bad Gateway"
        assert response.body[0] == "[entity]"
        assert response.body[2].startswith("[error upstream_unavailable: http://127.0.0.1:9")


async def test_filter_points_show_the_message_before_and_after_the_filter(
    routes_dir: Path, upstream: Upstream, capture_dir: Path, http: aiohttp.ClientSession
) -> None:
    add_request = {"messageType": "REQUEST", "add": {"X-Added": "by-filter"}}
    add_response = {"messageType": "RESPONSE", "add": {"X-Seen": "yes"}}
    request_points, response_points = ["request", "FILTERED_REQUEST"], ["Response", "filtered_response"]
    route = {
        "name": "filters",
        "baseURI": upstream.url,
        "heap": [
            {"name": "req", "type": "HeaderFilter", "config": add_request, "capture": request_points},
            {"name": "resp", "type": "HeaderFilter", "config": add_response, "capture": response_points},
        ],
        "handler": {"type": "Chain", "config": {"filters": ["req", "resp"], "handler": "ClientHandler"}},
    }
    write_route(routes_dir, "10-filters.json", route)
    async with running_gateway(routes_dir, **settings(capture_dir)) as gw:
        async with http.get(f"{gw.url}/f") as r:
            assert r.headers["X-Seen"] == "yes"
        records = await text_records(gw, capture_dir, "filters", 4)
    assert [(r.kind, r.point) for r in records] == [
        ("request", "request"),
        ("request", "filtered_request"),
        ("response", "response"),
        ("response", "filtered_response"),
    ]
    assert records[0].header("X-Added") == []
    assert records[1].header("X-Added") == ["by-filter"]
    assert records[2].header("X-Seen") == []
    assert records[3].header("X-Seen") == ["yes"]


async def test_the_outbound_record_holds_the_headers_the_upstream_received(
    routes_dir: Path, upstream: Upstream, capture_dir: Path, http: aiohttp.ClientSession
) -> None:
    write_route(routes_dir, "10-app.json", captured_route(upstream.url))

    async def chunks():  # type: ignore[no-untyped-def]
        yield b"a" * 1000
        yield b"b" * 1000

    async with running_gateway(routes_dir, **settings(capture_dir)) as gw:
        headers = {"Content-Type": "text/plain", "Authorization": "Bearer secret-token"}
        async with http.post(f"{gw.url}/upload", data=chunks(), headers=headers) as r:
            assert r.status == 200
        async with http.put(f"{gw.url}/sized", data=b"x" * 10, headers=headers) as r:
            assert r.status == 200
        records = await text_records(gw, capture_dir, "app", 8)
    for outbound, seen in zip((records[1], records[5]), upstream.seen, strict=True):
        assert outbound.headers == [(n, "*****" if n == "Authorization" else v) for n, v in seen["headers"]]
    assert upstream.seen[0]["chunked"]


async def test_a_body_nobody_reads_is_marked_and_the_context_is_written(
    routes_dir: Path, capture_dir: Path, http: aiohttp.ClientSession
) -> None:
    route = {
        "name": "static",
        "heap": [
            {"name": "capture", "type": "CaptureDecorator", "config": {"captureEntity": True, "captureContext": True}}
        ],
        "capture": "all",
        "handler": {"type": "StaticResponseHandler", "config": {"status": 201, "entity": "made"}},
    }
    write_route(routes_dir, "10-static.json", route)
    async with running_gateway(routes_dir, **settings(capture_dir)) as gw:
        async with http.post(f"{gw.url}/s", data="ignored", headers={"Content-Type": "text/plain"}) as r:
            assert r.status == 201
        request, response = await text_records(gw, capture_dir, "static", 2)
    context = 'context: {"attributes": {}, "identity": null}'
    assert request.body == ["[entity not read]", "", context]
    assert response.start == "HTTP/1.1 201 Created"
    assert response.body == ["made", "", context]
