"""AuthZenPdp authenticates to the PDP with its own access token from the real OpenID provider
(client credentials grant), reuses it, and fetches a new one when the PDP refuses it."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from idp.driver import API_RESOURCE, IdP
from tests.policy.interop import signer_provider, write_interop_route
from tests.support.fixtures import ServerFactory
from tests.support.gateway import running_gateway
from tests.support.signer_issuer import SignerIssuer
from tests.support.upstream import Upstream

pytestmark = pytest.mark.slow
RICK = "CiRmZDA2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs"
PEP_CLIENT = {"client_id": "pdp-pep", "client_secret": "pdp-pep-secret", "grant_types": ["client_credentials"],
              "response_types": [], "redirect_uris": []}  # fmt: skip


@pytest.fixture(scope="module")
def idp() -> Iterator[IdP]:
    with IdP(clients=[PEP_CLIENT]) as server:
        yield server


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))  # type: ignore[no-any-return]


async def test_the_pep_presents_its_own_access_token_and_renews_a_refused_one(
    idp: IdP, signer: SignerIssuer, aiohttp_server: ServerFactory, upstream: Upstream, routes_dir: Path,
    tmp_path: Path, http: aiohttp.ClientSession,
) -> None:  # fmt: skip
    presented: list[str] = []

    async def evaluation(request: web.Request) -> web.Response:
        presented.append(request.headers.get("Authorization", ""))
        if len(presented) == 1:
            return web.json_response({"error": "invalid_token"}, status=401)
        return web.json_response({"decision": True})

    app = web.Application()
    app.router.add_post("/access/v1/evaluation", evaluation)
    pdp_server = await aiohttp_server(app)
    pep = {"issuer": idp.issuer, "clientId": "pdp-pep", "clientSecret": "pdp-pep-secret"}
    heap = [signer_provider(signer), {"name": "pep", "type": "OidcProvider", "config": pep}]
    pdp = {"type": "AuthZenPdp", "config": {"url": str(pdp_server.make_url("")).rstrip("/"), "provider": "pep",
                                            "resource": API_RESOURCE, "scope": "api:read"}}  # fmt: skip
    write_interop_route(routes_dir, upstream, pdp, cache={"enabled": False})
    async with running_gateway(routes_dir, heap=heap, state=str(tmp_path / "s")) as gateway:
        headers = {"Authorization": f"Bearer {signer.access_token(sub=RICK)}"}
        for _ in range(2):
            async with http.get(f"{gateway.url}/todos", headers=headers) as response:
                assert response.status == 200
    assert len(presented) == 3 and all(p.startswith("Bearer ") for p in presented)
    first, second, third = (p.removeprefix("Bearer ") for p in presented)
    assert first != second == third  # refused once, renewed once, then reused
    claims = _claims(second)
    assert claims["client_id"] == "pdp-pep" and claims["aud"] == API_RESOURCE
