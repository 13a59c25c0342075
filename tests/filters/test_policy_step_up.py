"""Acceptance: an advice asking for a stronger login sends a browser back to the real OpenID
provider (oidc-provider) through the route's OidcLoginFilter, with the advised `acr_values`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from yarl import URL

from idp.driver import IdP
from tests.policy.conftest import HERE, pdp_object, pdp_url
from tests.support.gateway import GatewayHandle, running_gateway
from tests.support.login_support import html_browser, idp_provider, log_in_at, login_gateway, real_idp
from tests.support.process import free_port
from tests.support.upstream import Upstream

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def idp(port: int) -> Iterator[IdP]:
    with real_idp(f"http://127.0.0.1:{port}") as server:
        yield server


@pytest.fixture
async def openam(tmp_path: Path) -> AsyncIterator[str]:
    empty = tmp_path / "pdp-routes"
    empty.mkdir()
    heap = [pdp_object(HERE / "web-policies.yaml", openam={"users": {"pep": "pep-secret"}})]
    async with running_gateway(empty, heap=heap, state=str(tmp_path / "pdp")) as pdp:
        yield pdp_url(pdp)


def _route(upstream: str, openam: str) -> dict[str, Any]:
    pdp = {"type": "OpenAmPdp", "config": {"openamUrl": openam, "username": "pep", "password": "pep-secret",
                                           "application": "web"}}  # fmt: skip
    pep = {"type": "PolicyEnforcementFilter", "config": {"pdp": pdp, "login": "login", "claims": ["acr"]}}
    return {
        "name": "web", "baseURI": upstream,
        "heap": [{"name": "login", "type": "OidcLoginFilter", "config": {"providers": ["corp"]}}],
        "handler": {"type": "Chain", "config": {"filters": ["login", pep], "handler": "ClientHandler"}},
    }  # fmt: skip


@pytest.fixture
async def gateway(tmp_path: Path, port: int, idp: IdP, openam: str, upstream: Upstream) -> AsyncIterator[GatewayHandle]:
    routes = {"10-web.json": _route(upstream.url, openam)}
    async with login_gateway(tmp_path, port, [idp_provider("corp", idp)], routes) as handle:
        yield handle


async def test_an_auth_level_advice_sends_the_browser_to_the_provider_with_acr_values(
    gateway: GatewayHandle, idp: IdP, upstream: Upstream
) -> None:
    async with html_browser() as browser:
        await log_in_at(browser, gateway.url + "/app/hello", "alice")
        async with browser.get(gateway.url + "/gold/vault", allow_redirects=False) as response:
            assert response.status == 302
            location = URL(response.headers["Location"])
        assert str(location).startswith(idp.issuer)
        assert location.query["acr_values"] == "gold"
        assert location.query["client_id"] == idp.web_client.client_id
        # The provider takes the request: it starts a login interaction rather than answering an error.
        async with browser.get(location, allow_redirects=False) as response:
            assert response.status in (302, 303)
            assert "error=" not in response.headers["Location"]
    assert [r["raw_path"] for r in upstream.seen] == ["/app/hello"]
