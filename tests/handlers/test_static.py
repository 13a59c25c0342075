"""StaticResponseHandler answers by itself: status, reason, headers and entity, with expressions."""

from __future__ import annotations

import aiohttp

from tests.support.fixtures import Serve


def static(**config: object) -> dict[str, object]:
    return {"handler": {"type": "StaticResponseHandler", "config": config}}


async def test_status_and_reason_are_sent(serve: Serve, http: aiohttp.ClientSession) -> None:
    gateway = await serve(**{"10-s.json": static(status=418, reason="Short And Stout")})
    async with http.get(f"{gateway.url}/tea") as response:
        assert (response.status, response.reason) == (418, "Short And Stout")


async def test_headers_are_evaluated_per_request(serve: Serve, http: aiohttp.ClientSession) -> None:
    headers = {"X-Method": "${request.method}", "X-Multi": ["fixed", "${request.uri.path}"]}
    gateway = await serve(**{"10-s.json": static(headers=headers)})
    async with http.post(f"{gateway.url}/here") as response:
        assert response.headers["X-Method"] == "POST"
        assert response.headers.getall("X-Multi") == ["fixed", "/here"]


async def test_entity_is_an_expression_template(serve: Serve, http: aiohttp.ClientSession) -> None:
    entity = "Hello ${request.queryParams['name'][0]}, you used ${toLowerCase(request.method)}."
    headers = {"Content-Type": "text/plain; charset=utf-8"}
    gateway = await serve(**{"10-s.json": static(status=201, entity=entity, headers=headers)})
    async with http.put(f"{gateway.url}/?name=Ada") as response:
        assert response.status == 201
        assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert await response.text() == "Hello Ada, you used put."


async def test_without_entity_the_body_is_empty(serve: Serve, http: aiohttp.ClientSession) -> None:
    gateway = await serve(**{"10-s.json": static(status=204)})
    async with http.get(f"{gateway.url}/") as response:
        assert response.status == 204
        assert await response.read() == b""


async def test_a_failing_expression_yields_an_empty_value_not_an_error(
    serve: Serve, http: aiohttp.ClientSession
) -> None:
    gateway = await serve(**{"10-s.json": static(entity="[${request.headers['X-Absent'][0]}]")})
    async with http.get(f"{gateway.url}/") as response:
        assert (response.status, await response.text()) == (200, "[]")
