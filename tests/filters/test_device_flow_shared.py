"""Pending device authorizations in the shared store: two gateway instances answer polls of one
device login, and the provider is polled once per interval across both (embedded store shared by
two instances on one machine, and a real redis-server)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import aiohttp
import pytest

from idp.driver import IdP, approve_device, browser
from idp.flows import REDIRECT_URI
from tests.support.auth_routes import header
from tests.support.device_client import poll, sharing_instances, start
from tests.support.gateway import GatewayHandle
from tests.support.idp_proxy import CountingProxy, proxied_idp
from tests.support.upstream import Upstream


@pytest.fixture(scope="module")
def provider_proxy() -> Iterator[tuple[IdP, CountingProxy]]:
    with proxied_idp(redirect_uris=[REDIRECT_URI]) as pair:
        yield pair


@pytest.fixture(params=["embedded", "redis"])
async def pair(
    request: pytest.FixtureRequest,
    provider_proxy: tuple[IdP, CountingProxy],
    upstream: Upstream,
    tmp_path: Path,
) -> AsyncIterator[tuple[GatewayHandle, GatewayHandle]]:
    """Two gateway instances sharing one store."""
    idp = provider_proxy[0]
    async with AsyncExitStack() as stack:
        yield await sharing_instances(stack, request.param, tmp_path, upstream.url, idp, sessions={"secret": "s" * 32})


async def test_login_started_at_one_instance_completes_at_the_other(
    provider_proxy: tuple[IdP, CountingProxy],
    pair: tuple[GatewayHandle, GatewayHandle],
    upstream: Upstream,
    http: aiohttp.ClientSession,
) -> None:
    idp, proxy = provider_proxy
    a, b = pair
    grant = await start(http, a.url)
    async with browser() as person:
        await approve_device(person, idp, grant["user_code"], "jade")
    before = proxy.count("POST", "/token")
    answers = await asyncio.gather(*(poll(http, (a, b)[i % 2].url, grant["device_code"]) for i in range(10)))
    assert proxy.count("POST", "/token") - before == 1
    [token] = [answer for status, answer in answers if status == 200]
    refusals = {answer["error"] for status, answer in answers if status != 200}
    # A poll that reads the handle after the winner spent it is told the grant is gone.
    assert refusals <= {"authorization_pending", "slow_down", "invalid_grant"}
    for instance in (a, b):
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        async with http.get(f"{instance.url}/dev-idp/x", headers=headers) as response:
            assert response.status == 200
        assert header(upstream.seen[-1], "X-User") == ["jade"]
