"""The device authorization endpoint's limit per client address: the excess is refused with 429
`slow_down` and Retry-After before anything reaches the provider or the store; addresses (IPv6 by
/64) count apart; instances sharing a store share the count."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from yarl import URL

from gateway.auth.device_limit import client_group
from gateway.errors import ConfigErrors
from gateway.settings import Settings, load_settings
from idp.driver import IdP
from idp.flows import REDIRECT_URI
from idp.tokens import metadata_of
from tests.support.device_client import AUTHORIZE, device_gateway, sharing_instances
from tests.support.gateway import GatewayHandle
from tests.support.idp_proxy import CountingProxy, proxied_idp
from tests.support.upstream import Upstream

HOUR_LIMIT = {"numberOfRequests": 2, "duration": "1 hour"}


@pytest.fixture(scope="module")
def provider_proxy() -> Iterator[tuple[IdP, CountingProxy]]:
    """One real provider for the module, behind a proxy counting the requests it gets."""
    with proxied_idp(redirect_uris=[REDIRECT_URI]) as pair:
        yield pair


@pytest.fixture(scope="module")
def idp(provider_proxy: tuple[IdP, CountingProxy]) -> IdP:
    return provider_proxy[0]


async def _device_auth_calls(idp: IdP, proxy: CountingProxy) -> int:
    endpoint = (await metadata_of(idp)).device_authorization_endpoint
    assert endpoint is not None
    return proxy.count("POST", URL(endpoint).path)


async def _authorize(
    http: aiohttp.ClientSession, gateway: GatewayHandle, client: str | None = None
) -> tuple[int, dict[str, str], dict[str, Any]]:
    headers = {} if client is None else {"X-Forwarded-For": client}
    async with http.post(gateway.url + AUTHORIZE, data={"scope": "openid"}, headers=headers) as response:
        return response.status, dict(response.headers), await response.json()


def _pending_records(state: Path) -> int:
    with sqlite3.connect(state / "gateway.db") as db:
        return int(db.execute("SELECT count(*) FROM kv WHERE key LIKE 'device:%'").fetchone()[0])


async def test_authorizations_past_the_rate_get_slow_down_and_reach_neither_provider_nor_store(
    provider_proxy: tuple[IdP, CountingProxy],
    upstream: Upstream,
    routes_dir: Path,
    tmp_path: Path,
    http: aiohttp.ClientSession,
) -> None:
    idp, proxy = provider_proxy
    state = tmp_path / "state"
    settings = {"auth": {"deviceAuthorizeRate": HOUR_LIMIT}}
    async with device_gateway(routes_dir, state, upstream.url, {"idp": idp}, **settings) as gateway:
        before = await _device_auth_calls(idp, proxy)
        assert [(await _authorize(http, gateway))[0] for _ in range(2)] == [200, 200]
        status, headers, body = await _authorize(http, gateway)
        assert status == 429
        assert 1 <= int(headers["Retry-After"]) <= 1800  # one request's worth of a 2-per-hour bucket
        assert headers["Cache-Control"] == "no-store"
        assert body["error"] == "slow_down"
        assert f"retry in {headers['Retry-After']} s" in body["error_description"]
        assert await _device_auth_calls(idp, proxy) - before == 2
        assert _pending_records(state) == 2


async def test_each_client_address_has_its_own_allowance(
    idp: IdP, upstream: Upstream, routes_dir: Path, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    settings = {"auth": {"deviceAuthorizeRate": {"numberOfRequests": 1, "duration": "1 hour"}}}
    settings["trustedProxies"] = ["127.0.0.1/32"]
    async with device_gateway(routes_dir, tmp_path / "state", upstream.url, {"idp": idp}, **settings) as gateway:
        answers = [
            (client, (await _authorize(http, gateway, client))[0])
            for client in ("198.51.100.7", "198.51.100.7", "198.51.100.8", "2001:db8::1", "2001:db8::2")
        ]
        answers.append(("2001:db8:0:1::1", (await _authorize(http, gateway, "2001:db8:0:1::1"))[0]))
    assert answers == [
        ("198.51.100.7", 200),
        ("198.51.100.7", 429),
        ("198.51.100.8", 200),
        ("2001:db8::1", 200),
        ("2001:db8::2", 429),  # the same /64
        ("2001:db8:0:1::1", 200),
    ]


@pytest.mark.parametrize("kind", ["embedded", "redis"])
async def test_instances_sharing_a_store_share_the_allowance(
    kind: str, idp: IdP, upstream: Upstream, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    async with AsyncExitStack() as stack:
        limit = {"deviceAuthorizeRate": HOUR_LIMIT}
        a, b = await sharing_instances(stack, kind, tmp_path, upstream.url, idp, auth=limit)
        statuses = [(await _authorize(http, instance))[0] for instance in (a, b, a, b)]
    assert statuses == [200, 200, 429, 429]


@pytest.mark.parametrize(
    ("address", "group"),
    [
        ("198.51.100.7", "198.51.100.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::ffff", "2001:db8:1:2::/64"),
        ("::ffff:198.51.100.7", "198.51.100.7"),  # an IPv4 client on a dual-stack socket
        ("not-an-address", "not-an-address"),
        (None, "unknown"),
    ],
)
def test_clients_are_counted_by_address_and_ipv6_by_its_64_prefix(address: str | None, group: str) -> None:
    assert client_group(address) == group


def test_the_default_rate_is_10_per_minute() -> None:
    rate = Settings().auth.deviceAuthorizeRate
    assert rate is not None
    assert (rate.numberOfRequests, rate.duration) == (10, 60.0)


@pytest.mark.parametrize(
    ("rate", "path", "message"),
    [
        ({"numberOfRequests": 0}, "$.auth.deviceAuthorizeRate.numberOfRequests", "greater than 0"),
        ({"duration": "0 s"}, "$.auth.deviceAuthorizeRate.duration", "positive"),
        ({"duration": "soon"}, "$.auth.deviceAuthorizeRate.duration", "not a duration"),
        ({"requests": 5}, "$.auth.deviceAuthorizeRate.requests", ""),
        ("10 per minute", "$.auth.deviceAuthorizeRate", ""),
    ],
)
def test_a_bad_rate_is_reported_at_its_path(tmp_path: Path, rate: object, path: str, message: str) -> None:
    config = tmp_path / "gateway.yaml"
    config.write_text(json.dumps({"auth": {"deviceAuthorizeRate": rate}}))  # JSON is YAML
    with pytest.raises(ConfigErrors) as caught:
        load_settings(config)
    assert any(e.path == path and message in e.message for e in caught.value.errors), caught.value.errors
