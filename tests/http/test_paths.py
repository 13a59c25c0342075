"""No path confusion: a protected route before a public one, and paths crafted to slip between them."""

from __future__ import annotations

import asyncio
import string
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from gateway.http.paths import decode_unreserved, double_encoded
from tests.support.gateway import GatewayHandle, running_gateway, write_route
from tests.support.upstream import Upstream, proxy_route, raw_request

PROTECTED = {
    "name": "admin",
    "condition": "${startsWith(request.uri.path, '/admin')}",
    "handler": {"type": "StaticResponseHandler", "config": {"status": 403, "entity": "admin is protected"}},
}

# Forms that upstreams read in ways of their own (escaped separators and dots at any depth, `\\`,
# `..;params`, NUL, absolute-form): refused.
REFUSED = [
    "/public/..%2fadmin",
    "/public/%252e%252e/admin",
    "/public/%25252e%25252e/admin",
    "/public/..\\admin",
    "/public/..%5cadmin",
    "/public/..;/admin",
    "/public/%2e%2e;jsessionid=1/admin",
    "/%2Fadmin",
    "/public/%00/x",
    "http://gateway.example/public/../admin",
]

# Plain dot segments and repeated slashes, also once escaped unreserved dots are decoded: resolved
# before matching (RFC 3986 §6.2.2.3), so they meet the protected route.
RESOLVED_TO_PROTECTED = [
    "/public/../admin",
    "/public/%2e%2e/admin",
    "/public/%2E%2E/admin",
    "/public/.%2e/admin",
    "/public//../admin",
    "//admin",
    "/public/../admin?x=1",
    "/public/x/../../admin/users",
]

PASSED = [
    "/public/file.tar.gz",
    "/public/...x",
    "/public/.hidden",
    "/public/..hidden",
    "/public/x..",
    "/public/",
    "/public/a;v=1/b",
    "/public/a%2Fb",
    "/public/x?next=/../admin",
    "/public/dir/;jsessionid=1",
]

PROTECTED_FORMS = ["/admin", "/admin/users", "/%61dmin", "/admin%2Fusers", "/adm%69n/x"]

# Sent → forwarded: escaped unreserved characters decoded (RFC 3986 §6.2.2.2), other escapes and the query as sent.
NORMALISED = [
    ("/public/./x", "/public/x"),
    ("/public/x/.", "/public/x/"),
    ("/public//x///y", "/public/x/y"),
    ("/public/a/b/../c?q=/../", "/public/a/c?q=/../"),
    ("/public/%2e%2ex", "/public/..x"),
    ("/pub%6Cic/%7Euser/%41b%2Fc%20d", "/public/~user/Ab%2Fc%20d"),
    ("/public/%5F%2D%30%39?q=%41", "/public/_-09?q=%41"),
    ("/public/%C3%A9t%C3%A9", "/public/%C3%A9t%C3%A9"),
]


@pytest.fixture
async def gateway(routes_dir: Path, upstream: Upstream) -> AsyncIterator[GatewayHandle]:
    """A protected /admin route (403) before a public /public route to the upstream."""
    write_route(routes_dir, "10-admin.json", PROTECTED)
    write_route(routes_dir, "20-public.json", proxy_route(upstream.url, "${startsWith(request.uri.path, '/public')}"))
    async with running_gateway(routes_dir) as handle:
        yield handle


@pytest.mark.parametrize("target", REFUSED)
async def test_ambiguous_path_is_refused_and_never_reaches_the_upstream(
    gateway: GatewayHandle, upstream: Upstream, target: str
) -> None:
    response = await raw_request(gateway.url, target)
    assert response.status == 400, (target, response.body)
    assert response.json()["error"] == "bad_request"
    assert upstream.seen == []


async def test_connect_is_refused_and_never_tunnels(gateway: GatewayHandle, upstream: Upstream) -> None:
    response = await raw_request(gateway.url, "public.example:443", method="CONNECT")
    assert response.status == 400
    assert response.json()["error"] == "bad_request"
    assert upstream.seen == []


@pytest.mark.parametrize("target", PASSED)
async def test_dots_in_names_pass_byte_exact(gateway: GatewayHandle, upstream: Upstream, target: str) -> None:
    response = await raw_request(gateway.url, target)
    assert response.status == 200, (target, response.body)
    assert upstream.paths == [target]


@pytest.mark.parametrize("target", RESOLVED_TO_PROTECTED)
async def test_dot_segments_and_repeated_slashes_are_resolved_before_matching(
    gateway: GatewayHandle, upstream: Upstream, target: str
) -> None:
    response = await raw_request(gateway.url, target)
    assert (response.status, response.body) == (403, b"admin is protected"), target
    assert upstream.seen == []


async def test_dot_segments_above_the_root_stay_at_the_root(gateway: GatewayHandle, upstream: Upstream) -> None:
    response = await raw_request(gateway.url, "/public/../..")
    assert response.status == 404
    assert upstream.seen == []


@pytest.mark.parametrize("target", PROTECTED_FORMS)
async def test_every_encoding_of_the_protected_path_meets_the_protected_route(
    gateway: GatewayHandle, upstream: Upstream, target: str
) -> None:
    response = await raw_request(gateway.url, target)
    assert response.status == 403
    assert response.body == b"admin is protected"
    assert upstream.seen == []


@pytest.mark.parametrize(("target", "forwarded"), NORMALISED)
async def test_escaped_unreserved_characters_are_forwarded_decoded(
    gateway: GatewayHandle, upstream: Upstream, target: str, forwarded: str
) -> None:
    response = await raw_request(gateway.url, target)
    assert response.status == 200, (target, response.body)
    assert upstream.paths == [forwarded]


async def test_conditions_see_the_normalised_raw_path(routes_dir: Path, upstream: Upstream) -> None:
    write_route(routes_dir, "10-exact.json", proxy_route(upstream.url, "${request.uri.rawPath == '/~carol/Docs'}"))
    async with running_gateway(routes_dir) as gw:
        matched = await raw_request(gw.url, "/%7Ecarol/%44ocs")
    assert matched.status == 200
    assert upstream.paths == ["/~carol/Docs"]


@pytest.mark.parametrize("target", ["/public/%2561dmin", "/public/x%252Fy", "/public/%25%32%35"])
async def test_a_path_still_encoded_after_one_decoding_is_refused(
    gateway: GatewayHandle, upstream: Upstream, target: str
) -> None:
    response = await raw_request(gateway.url, target)
    assert response.status == 400, (target, response.body)
    assert upstream.seen == []


async def test_a_route_may_take_double_encoded_paths(routes_dir: Path, upstream: Upstream) -> None:
    strict = proxy_route(upstream.url, "${startsWith(request.uri.path, '/strict/')}")
    lenient = proxy_route(upstream.url, "${startsWith(request.uri.path, '/files/')}") | {"allowDoubleEncoding": True}
    write_route(routes_dir, "10-strict.json", strict)
    write_route(routes_dir, "20-files.json", lenient)
    async with running_gateway(routes_dir) as gw:
        taken = await raw_request(gw.url, "/files/100%2525.txt")
        refused = await raw_request(gw.url, "/strict/100%2525.txt")
    assert (taken.status, refused.status) == (200, 400)
    assert upstream.paths == ["/files/100%2525.txt"]


@pytest.mark.parametrize("target", ["/ADMIN", "/%41dmin", "/Admin/users", "/%41%44MIN"])
async def test_a_case_insensitive_guard_meets_every_spelling_of_the_path(
    routes_dir: Path, upstream: Upstream, target: str
) -> None:
    guarded = {**PROTECTED, "condition": "${matches(request.uri.path, '(?i)^/admin(/|$)')}"}
    exact = {**PROTECTED, "name": "exact", "condition": "${request.uri.path.equalsIgnoreCase('/admin')}"}
    write_route(routes_dir, "05-exact.json", exact)
    write_route(routes_dir, "10-admin.json", guarded)
    write_route(routes_dir, "20-rest.json", proxy_route(upstream.url))
    async with running_gateway(routes_dir) as gw:
        response = await raw_request(gw.url, target)
    assert response.status == 403
    assert upstream.seen == []


async def test_a_case_sensitive_guard_forwards_what_it_checked(routes_dir: Path, upstream: Upstream) -> None:
    # Documented: conditions are case-sensitive. What passes the guard reaches the upstream as checked.
    write_route(routes_dir, "10-admin.json", PROTECTED)
    write_route(routes_dir, "20-rest.json", proxy_route(upstream.url))
    async with running_gateway(routes_dir) as gw:
        response = await raw_request(gw.url, "/%41dmin")
    assert response.status == 200
    assert upstream.paths == ["/Admin"]


async def test_route_matches_the_decoded_form_of_what_it_forwards(routes_dir: Path, upstream: Upstream) -> None:
    # The upstream decodes the raw target once; the condition sees that same decoding.
    condition = "${request.uri.path == '/public/a/b c' && request.uri.rawPath == '/public/a%2Fb%20c'}"
    write_route(routes_dir, "10-exact.json", proxy_route(upstream.url, condition))
    async with running_gateway(routes_dir) as gw:
        matched = await raw_request(gw.url, "/public/a%2Fb%20c")
        unmatched = await raw_request(gw.url, "/public/a/b%20c")
    assert matched.status == 200
    assert unmatched.status == 404
    assert upstream.paths == ["/public/a%2Fb%20c"]


async def test_aiohttp_server_hands_over_paths_unnormalised() -> None:
    """The defence relies on this: aiohttp resolves no dot-segment in `path` or `raw_path`."""
    seen: list[tuple[str, str]] = []

    async def record(request: web.BaseRequest) -> web.Response:
        seen.append((request.path, request.raw_path))
        return web.Response()

    runner = web.ServerRunner(web.Server(record))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        for target in ("/public/../admin", "/public/%2e%2e/admin", "/public/..%2fadmin", "/public/%252e%252e/x"):
            await raw_request(f"http://{host}:{port}", target)
            await asyncio.sleep(0)
    finally:
        await runner.cleanup()
    assert seen == [
        ("/public/../admin", "/public/../admin"),
        ("/public/../admin", "/public/%2e%2e/admin"),
        ("/public/../admin", "/public/..%2fadmin"),
        ("/public/%2e%2e/x", "/public/%252e%252e/x"),
    ]


def test_exactly_the_unreserved_escapes_are_decoded() -> None:
    unreserved = set(string.ascii_letters + string.digits + "-._~")
    for byte in range(256):
        for escape in (f"%{byte:02X}", f"%{byte:02x}"):
            decoded = decode_unreserved(f"/a{escape}b")
            assert decoded == (f"/a{chr(byte)}b" if chr(byte) in unreserved else f"/a{escape}b"), escape


def test_only_an_escaped_escape_is_double_encoding() -> None:
    assert double_encoded("/a%2561") and double_encoded("/%252F") and double_encoded("/x%25aF/y")
    assert not double_encoded("/100%25") and not double_encoded("/100%25zz") and not double_encoded("/a?q=%2561")
