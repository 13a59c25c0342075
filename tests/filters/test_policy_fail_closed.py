"""Acceptance: fail closed. Whatever a broken PDP answers (an error status, a decision that is not
a JSON boolean, HTML, nothing in time, no connection, metadata naming another PDP), the request is
refused with the configured status and nothing reaches the upstream."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.policy.interop import signer_provider, write_interop_route
from tests.support.fixtures import ServerFactory
from tests.support.gateway import running_gateway
from tests.support.signer_issuer import SignerIssuer
from tests.support.upstream import Upstream

RICK = "CiRmZDA2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs"
Answer = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _json(body: Any, status: int = 200) -> Answer:
    async def answer(request: web.Request) -> web.StreamResponse:
        return web.json_response(body, status=status)

    return answer


async def _html(request: web.Request) -> web.StreamResponse:
    return web.Response(text="<html><body>decision: true</body></html>", content_type="text/html")


async def _slow(request: web.Request) -> web.StreamResponse:
    await asyncio.sleep(3)
    return web.json_response({"decision": True})


ANSWERS: list[tuple[str, Answer]] = [
    ("403", _json({"decision": True}, 403)),
    ("500", _json({"decision": True}, 500)),
    ("decision is the string true", _json({"decision": "true"})),
    ("empty object", _json({})),
    ("decision null", _json({"decision": None})),
    ("decision 1", _json({"decision": 1})),
    ("a JSON array", _json([{"decision": True}])),
    ("HTML", _html),
    ("timeout", _slow),
]


async def _refused(
    pdp_url: str, signer: SignerIssuer, upstream: Upstream, routes_dir: Path, tmp_path: Path,
    http: aiohttp.ClientSession, on_error: int = 503,
) -> None:  # fmt: skip
    pdp = {"type": "AuthZenPdp", "config": {"url": pdp_url, "timeout": "0.5 s"}}
    write_interop_route(routes_dir, upstream, pdp, onError=on_error)
    async with running_gateway(routes_dir, heap=[signer_provider(signer)], state=str(tmp_path / "s")) as gateway:
        token = signer.access_token(sub=RICK)
        async with http.get(f"{gateway.url}/todos", headers={"Authorization": f"Bearer {token}"}) as response:
            assert response.status == on_error
            assert (await response.json())["error"] == "pdp_unavailable"
    assert upstream.seen == []


@pytest.mark.parametrize("answer", [a for _, a in ANSWERS], ids=[n for n, _ in ANSWERS])
async def test_a_broken_pdp_answer_is_a_refusal(
    answer: Answer, aiohttp_server: ServerFactory, signer: SignerIssuer, upstream: Upstream, routes_dir: Path,
    tmp_path: Path, http: aiohttp.ClientSession,
) -> None:  # fmt: skip
    app = web.Application()
    app.router.add_post("/access/v1/evaluation", answer)
    server = await aiohttp_server(app)
    await _refused(str(server.make_url("")).rstrip("/"), signer, upstream, routes_dir, tmp_path, http)


async def test_a_refused_connection_is_a_refusal_with_the_configured_status(
    signer: SignerIssuer, upstream: Upstream, routes_dir: Path, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    await _refused(f"http://127.0.0.1:{port}", signer, upstream, routes_dir, tmp_path, http, on_error=403)


async def test_metadata_naming_another_pdp_is_a_refusal(
    aiohttp_server: ServerFactory, signer: SignerIssuer, upstream: Upstream, routes_dir: Path, tmp_path: Path,
    http: aiohttp.ClientSession,
) -> None:  # fmt: skip
    app = web.Application()
    evil = "https://evil.example"
    metadata = {"policy_decision_point": evil, "access_evaluation_endpoint": f"{evil}/access/v1/evaluation"}
    app.router.add_get("/.well-known/authzen-configuration", _json(metadata))
    app.router.add_post("/access/v1/evaluation", _json({"decision": True}))
    server = await aiohttp_server(app)
    await _refused(str(server.make_url("")).rstrip("/"), signer, upstream, routes_dir, tmp_path, http)


@pytest.mark.parametrize(("cache_control", "fetches"), [("max-age=300", 1), ("max-age=0", 3)])
async def test_metadata_is_kept_as_long_as_cache_control_allows(
    aiohttp_server: ServerFactory, signer: SignerIssuer, upstream: Upstream, routes_dir: Path, tmp_path: Path,
    http: aiohttp.ClientSession, cache_control: str, fetches: int,
) -> None:  # fmt: skip
    seen = []

    async def metadata(request: web.Request) -> web.StreamResponse:
        seen.append(request.path)
        base = f"http://{request.host}"
        doc = {"policy_decision_point": base, "access_evaluation_endpoint": f"{base}/decide"}
        return web.json_response(doc, headers={"Cache-Control": cache_control})

    app = web.Application()
    app.router.add_get("/.well-known/authzen-configuration", metadata)
    app.router.add_post("/decide", _json({"decision": True}))
    server = await aiohttp_server(app)
    pdp = {"type": "AuthZenPdp", "config": {"url": str(server.make_url("")).rstrip("/")}}
    write_interop_route(routes_dir, upstream, pdp, cache={"enabled": False})
    async with running_gateway(routes_dir, heap=[signer_provider(signer)], state=str(tmp_path / "s")) as gateway:
        token = signer.access_token(sub=RICK)
        for _ in range(3):
            async with http.get(f"{gateway.url}/todos", headers={"Authorization": f"Bearer {token}"}) as response:
                assert response.status == 200
    assert len(seen) == fetches


@pytest.mark.parametrize(
    ("answers", "status"),
    [([True, True], 200), ([True], 403), ([True, False], 403), ([True, True, True], 503), ([True, "true"], 503)],
    ids=["both permitted", "shorter answer", "second denied", "longer answer", "not a boolean"],
)
async def test_batch_answers_are_matched_by_position(
    aiohttp_server: ServerFactory, signer: SignerIssuer, upstream: Upstream, routes_dir: Path, tmp_path: Path,
    http: aiohttp.ClientSession, answers: list[Any], status: int,
) -> None:  # fmt: skip
    batches: list[Any] = []

    async def evaluations(request: web.Request) -> web.StreamResponse:
        batches.append(await request.json())
        return web.json_response({"evaluations": [{"decision": answer} for answer in answers]})

    app = web.Application()
    app.router.add_post("/access/v1/evaluations", evaluations)
    server = await aiohttp_server(app)
    pdp = {"type": "AuthZenPdp", "config": {"url": str(server.make_url("")).rstrip("/")}}
    requirement = {"action": "read", "resourceType": "list", "resourceId": "todos"}
    write_interop_route(routes_dir, upstream, pdp, cache={"enabled": False}, requirements=[requirement])
    async with running_gateway(routes_dir, heap=[signer_provider(signer)], state=str(tmp_path / "s")) as gateway:
        token = signer.access_token(sub=RICK)
        async with http.get(f"{gateway.url}/todos", headers={"Authorization": f"Bearer {token}"}) as response:
            assert response.status == status
    (batch,) = batches
    assert batch["options"] == {"evaluations_semantic": "deny_on_first_deny"}
    assert [item["resource"] for item in batch["evaluations"]] == [
        {"type": "route", "id": "/todos"}, {"type": "list", "id": "todos"}]  # fmt: skip
    assert len(upstream.seen) == (1 if status == 200 else 0)
