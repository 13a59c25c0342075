"""Properties of path checks and header-name normalisation over generated requests, through a real
gateway: a path is refused with 400 or forwarded as one that passes the check again; a client header
that an upstream would fold into an identity header never reaches it; nothing answers 500."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.errors import BadRequest
from gateway.http.headers import normalise_header
from gateway.http.paths import check_path
from tests.support.gateway import GatewayHandle, running_gateway, write_route
from tests.support.login_support import login_route, provider, public_route
from tests.support.upstream import Upstream, raw_request

SHARED = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SEGMENTS = st.sampled_from(
    ["a", "A", "admin", ".", "..", "", "%2e", "%2E%2e", "%252e", "%2f", "%2F", "%5c", "%5C", "%00", "%41",
     "%25", "%", "%zz", ";x", "..;", ".;a", "\\", "~", "-_", "%3b", "%u002e", "?q=/../", "é", "%C3%A9"]
)  # fmt: skip
PATHS = st.lists(SEGMENTS, max_size=6).map(lambda parts: "/" + "/".join(parts)) | st.text(
    st.sampled_from("/.%25ef;\\aA?"), max_size=16
).map(lambda text: "/" + text)
# Spellings of the injected header's name that upstreams fold into it (case, `_` for `-`).
SPELLINGS = st.tuples(*(st.sampled_from(pair) for pair in zip("x-user", "X_USER", strict=True))).map("".join)


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_the_path_check_accepts_or_names_a_bad_request(target: str) -> None:
    try:
        check_path(target)
    except BadRequest as refusal:
        assert refusal.status == 400


@given(st.text(max_size=20))
def test_header_normalisation_is_idempotent(name: str) -> None:
    once = normalise_header(name)
    assert normalise_header(once) == once


@pytest.fixture
async def gateway(routes_dir: Path, upstream: Upstream, tmp_path: Path) -> AsyncIterator[GatewayHandle]:
    """/app injects X-User after a login; every other request goes to the echo upstream as it is."""
    write_route(routes_dir, "10-app.json", login_route(upstream.url, ["idp"]))
    write_route(routes_dir, "90-public.json", public_route(upstream.url))
    # Discovery is lazy: no request here gets far enough to contact this issuer.
    heap = [provider("idp", "http://127.0.0.1:9", "client", "secret")]
    async with running_gateway(routes_dir, heap=heap, state=str(tmp_path / "state")) as handle:
        yield handle


@SHARED
@given(PATHS)
async def test_a_path_is_refused_or_forwarded_as_one_that_passes_the_check(gateway: GatewayHandle, path: str) -> None:
    answer = await raw_request(gateway.url, path)
    assert answer.status in (200, 400), (answer.status, answer.body)
    if answer.status == 200:
        check_path(json.loads(answer.body)["raw_path"])


@SHARED
@given(SPELLINGS, st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=12))
async def test_a_client_header_folding_into_an_identity_header_never_reaches_an_upstream(
    gateway: GatewayHandle, name: str, value: str
) -> None:
    answer = await raw_request(gateway.url, "/echo", headers=[(name, value), ("X-Other", value)])
    assert answer.status == 200, answer.body
    seen = {normalise_header(k) for k, _ in json.loads(answer.body)["headers"]}
    assert "x-user" not in seen and "x-other" in seen
