"""JwtSession: the route's `session` map travels sealed in a cookie; a cookie sealed with another key,
or expired, is an empty session; what cannot be mapped is refused at load with what to use instead."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp

from gateway.lint import check_paths
from tests.support.fixtures import Serve, seen_headers
from tests.support.upstream import Upstream

SECRET = "c2hhcmVkLXNlY3JldC1mb3ItdGhlLXRlc3RzLTAwMDE="
OTHER = "b3RoZXItc2VjcmV0LWZvci10aGUtdGVzdHMtMDAwMDI="


def _route(base: str, session: dict[str, Any] | None) -> dict[str, Any]:
    assign = {
        "type": "AssignmentFilter",
        "config": {
            "onRequest": [
                {"condition": "${empty session.first}", "target": "${session.first}", "value": "${request.uri.path}"}
            ]
        },
    }
    echo = {"type": "HeaderFilter", "config": {"messageType": "REQUEST", "add": {"X-First": ["${session.first}"]}}}
    route: dict[str, Any] = {
        "baseURI": base,
        "handler": {"type": "Chain", "config": {"filters": [assign, echo], "handler": "ClientHandler"}},
    }
    if session is not None:
        route["session"] = session
    return route


def _session(secret: str, timeout: str = "1 minute") -> dict[str, Any]:
    return {"type": "JwtSession", "config": {"cookieName": "S", "sharedSecret": secret, "sessionTimeout": timeout}}


async def _first(http: aiohttp.ClientSession, url: str, cookie: str | None) -> tuple[str, str | None]:
    headers = {"Cookie": f"S={cookie}"} if cookie else {}
    async with http.get(url, headers=headers) as response:
        first = seen_headers(await response.read(), "X-First")
        return (first[0] if first else ""), response.cookies["S"].value if "S" in response.cookies else None


async def test_the_session_comes_back_only_with_the_same_key(
    serve: Serve, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    one = await serve(**{"10-a.json": _route(upstream.url, _session(SECRET))})
    first, cookie = await _first(http, f"{one.url}/one", None)
    assert (first, cookie is not None) == ("/one", True)
    assert (await _first(http, f"{one.url}/two", cookie))[0] == "/one"
    two = await serve(**{"10-a.json": _route(upstream.url, _session(OTHER))})
    assert (await _first(http, f"{two.url}/three", cookie))[0] == "/three"


async def test_an_expired_session_is_empty(serve: Serve, upstream: Upstream, http: aiohttp.ClientSession) -> None:
    gateway = await serve(**{"10-a.json": _route(upstream.url, _session(SECRET, "0 s"))})
    _, cookie = await _first(http, f"{gateway.url}/one", None)
    assert (await _first(http, f"{gateway.url}/two", cookie))[0] == "/two"


def _errors(tmp_path: Path, route: dict[str, Any]) -> list[tuple[str, str]]:
    (tmp_path / "10-r.json").write_text(json.dumps(route), encoding="utf-8")
    return [(e.path, e.message) for e in check_paths([tmp_path], None)]


def test_writing_to_session_needs_a_route_session(tmp_path: Path) -> None:
    errors = _errors(tmp_path, _route("http://app", None))
    assert [p for p, _ in errors] == ["$.handler.config.filters[0].config.onRequest[0].target"]
    assert "JwtSession" in errors[0][1]


def test_a_keystore_is_refused_naming_what_to_use(tmp_path: Path) -> None:
    session = {"type": "JwtSession", "config": {"keystore": "KeyStore", "alias": "jwe", "password": "x"}}
    errors = _errors(tmp_path, _route("http://app", session))
    assert [p for p, _ in errors] == ["$.session.config.keystore"]
    assert "sharedSecret" in errors[0][1]


def test_a_session_that_is_not_a_jwt_session_is_refused(tmp_path: Path) -> None:
    session = {"type": "HeaderFilter", "config": {"messageType": "REQUEST"}}
    errors = _errors(tmp_path, {"baseURI": "http://app", "session": session, "handler": "ClientHandler"})
    assert [p for p, _ in errors] == ["$.session"]
    assert "expected a JwtSession" in errors[0][1]
