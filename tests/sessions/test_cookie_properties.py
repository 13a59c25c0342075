"""Properties of the session cookie decoder over generated cookies, through a real gateway: whatever a
browser sends (random text, split chunks, a well-sealed record of another shape) is refused with 401,
never an error."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.sessions.cookies import CookieCodec
from gateway.sessions.model import Session
from tests.sessions.conftest import SECRET, manager_of, private_route
from tests.support.gateway import GatewayHandle, running_gateway, write_route

# One gateway serves every example of a test; each example is one request.
SHARED = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# What a Cookie header can carry as a value (RFC 6265 cookie-octet), and what a sealed value is made of.
COOKIE_TEXT = st.text(st.sampled_from("ABCxyz019-_.~!#$&'()*+/:<=>?@[]^`{|}"), max_size=80)
RECORD_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4),
    max_leaves=10,
)
RECORDS = RECORD_VALUES | st.fixed_dictionaries(
    {"v": st.sampled_from([1, 2, "1"]), "m": st.sampled_from(["browser", "device", "x", 1])},
    optional={k: RECORD_VALUES for k in ("id", "sub", "iss", "prv", "c", "t", "cr", "ls", "ex")},
)


@pytest.fixture
async def gateway(routes_dir: Path, state: Path) -> AsyncIterator[GatewayHandle]:
    """A gateway serving /private behind a SessionFilter."""
    write_route(routes_dir, "10-private.json", private_route())
    async with running_gateway(routes_dir, state=str(state), sessions={"secret": SECRET}) as handle:
        yield handle


async def _status(http: aiohttp.ClientSession, gateway: GatewayHandle, cookie: str) -> int:
    async with http.get(f"{gateway.url}/private", headers={"Cookie": cookie, "Accept": "application/json"}) as answer:
        assert answer.status in (200, 401), await answer.text()
        return answer.status


def _well_formed(record: Any) -> bool:
    try:
        return Session.from_record(record).method == "browser"
    except ValueError:
        return False


@SHARED
@given(st.lists(st.tuples(st.sampled_from(["gw_session", "gw_session.0", "gw_session.1", "gw_session.7"]),
                          COOKIE_TEXT), min_size=1, max_size=3))  # fmt: skip
async def test_random_session_cookies_are_refused(
    gateway: GatewayHandle, http: aiohttp.ClientSession, cookies: list[tuple[str, str]]
) -> None:
    assert await _status(http, gateway, "; ".join(f"{name}={value}" for name, value in cookies)) == 401


@SHARED
@given(RECORDS)
async def test_a_sealed_record_of_any_other_shape_is_refused(
    gateway: GatewayHandle, http: aiohttp.ClientSession, record: Any
) -> None:
    codec: CookieCodec = manager_of(gateway).codec
    status = await _status(http, gateway, f"gw_session={codec.seal(record)}")
    # Only the gateway can seal: a record of the right shape is a session (if it is alive), no other is.
    assert status == 401 or _well_formed(record)
