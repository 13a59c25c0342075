"""A device session whose provider access token goes upstream (`passAccessToken`) gets it refreshed
before it expires, with the session's refresh token."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from gateway.oauth import tokens
from idp.driver import IdP
from idp.flows import REDIRECT_URI
from idp.tokens import metadata_of
from tests.support.auth_routes import auth_route, header, provider
from tests.support.device_client import device_login
from tests.support.gateway import GatewayHandle, running_gateway, write_route
from tests.support.upstream import Upstream


@pytest.fixture(scope="module")
def idp() -> Iterator[IdP]:
    """A provider whose access tokens live 30 s: always within the gateway's refresh margin."""
    with IdP(redirect_uris=[REDIRECT_URI], ttl={"AccessToken": 30}) as server:
        yield server


@pytest.fixture
async def gateway(idp: IdP, upstream: Upstream, routes_dir: Path, tmp_path: Path) -> AsyncIterator[GatewayHandle]:
    scopes = ["openid", "email", "offline_access"]
    device = ("DeviceFlowFilter", {"provider": "idp", "scopes": scopes, "passAccessToken": True})
    write_route(routes_dir, "10-dev.json", auth_route("dev", "/dev", upstream.url, device))
    heap = [provider("idp", idp.issuer)]
    async with running_gateway(routes_dir, heap=heap, state=str(tmp_path / "state")) as handle:
        yield handle


async def test_access_token_sent_upstream_is_refreshed_before_it_expires(
    idp: IdP, gateway: GatewayHandle, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    token = await device_login(http, gateway.url, idp, "kim")
    for _ in range(2):
        async with http.get(f"{gateway.url}/dev/x", headers={"Authorization": f"Bearer {token}"}) as response:
            assert response.status == 200
    sent = [header(record, "Authorization") for record in upstream.seen]
    assert all(len(values) == 1 and values[0].startswith("Bearer ") for values in sent)
    first, second = (values[0].removeprefix("Bearer ") for values in sent)
    assert first != second and token not in (first, second)
    metadata = await metadata_of(idp)
    assert metadata.userinfo_endpoint is not None
    claims = await tokens.userinfo(http, metadata.userinfo_endpoint, second)
    assert claims["sub"] == "kim"
