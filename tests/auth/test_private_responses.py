"""Authenticated responses stay out of caches: `Cache-Control: private, no-store` when the upstream
sends none, the upstream's own kept, nothing added where a route opts out (`cacheControl: null`);
and the option is in `gateway schema` for every authentication filter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from gateway.routing.schema import route_schema
from gateway.types import TYPES
from idp.driver import IdP
from tests.support.gateway import GatewayHandle
from tests.support.login_support import idp_provider, login_gateway, login_route
from tests.support.upstream import Upstream

pytestmark = pytest.mark.slow

PUBLIC_FOR_A_MINUTE = {
    "type": "HeaderFilter",
    "config": {"messageType": "RESPONSE", "add": {"Cache-Control": ["public, max-age=60"]}},
}


def _with_own_cache_control(upstream: str) -> dict[str, Any]:
    route = login_route(upstream, ["corp"], prefix="/own")
    route["handler"]["config"]["filters"].append(PUBLIC_FOR_A_MINUTE)
    return route


@pytest.fixture
async def gateway(tmp_path: Path, port: int, idp: IdP, upstream: Upstream) -> AsyncIterator[GatewayHandle]:
    routes = {
        "10-app.json": login_route(upstream.url, ["corp"]),
        "20-own.json": _with_own_cache_control(upstream.url),
        "30-optout.json": login_route(upstream.url, ["corp"], prefix="/optout", cacheControl=None),
        "40-custom.json": login_route(upstream.url, ["corp"], prefix="/custom", cacheControl="private, max-age=5"),
    }
    async with login_gateway(tmp_path, port, [idp_provider("corp", idp)], routes) as handle:
        yield handle


async def _cache_control(browser: aiohttp.ClientSession, url: str) -> str | None:
    async with browser.get(url, allow_redirects=False) as response:
        assert response.status == 200
        return response.headers.get("Cache-Control")


async def test_an_authenticated_response_without_cache_control_is_private_and_not_stored(
    gateway: GatewayHandle, browser: aiohttp.ClientSession
) -> None:
    assert await _cache_control(browser, gateway.url + "/app/page") == "private, no-store"


async def test_the_upstreams_own_cache_control_is_kept(gateway: GatewayHandle, browser: aiohttp.ClientSession) -> None:
    assert await _cache_control(browser, gateway.url + "/own/page") == "public, max-age=60"


async def test_a_route_that_opts_out_gets_none_and_another_gets_its_own(
    gateway: GatewayHandle, browser: aiohttp.ClientSession
) -> None:
    assert await _cache_control(browser, gateway.url + "/optout/page") is None
    assert await _cache_control(browser, gateway.url + "/custom/page") == "private, max-age=5"


@pytest.mark.parametrize("kind", ["OidcLoginFilter", "BearerTokenFilter", "DeviceFlowFilter", "SessionFilter"])
def test_every_authentication_filter_offers_cache_control_in_the_schema(kind: str) -> None:
    prop = route_schema(TYPES)["$defs"][f"{kind}Config"]["properties"]["cacheControl"]
    assert prop["default"] == "private, no-store" and "Cache-Control" in prop["description"]
