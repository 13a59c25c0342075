"""Acceptance: OpenAM. The OpenAmPdp client against the built-in PDP's OpenAM-compatible endpoint
(login, evaluate, token renewal, attributes → upstream header, an advice → a step-up answer),
and an OpenIG PolicyEnforcementFilter route file that loads unchanged and enforces."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from gateway.policy.builtin import PolicyDecisionPoint
from tests.policy.conftest import HERE, pdp_object, pdp_url
from tests.policy.interop import signer_provider
from tests.support.gateway import GatewayHandle, running_gateway, write_route
from tests.support.signer_issuer import AUDIENCE, SignerIssuer
from tests.support.upstream import Upstream

WEB_POLICIES = HERE / "web-policies.yaml"
OPENAM = {"users": {"pep": "pep-secret"}, "tokenTtl": "1 s"}


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[GatewayHandle]:
    """A gateway serving the web policies, with the OpenAM endpoint, as its PDP."""
    empty = tmp_path / "pdp-routes"
    empty.mkdir()
    heap = [pdp_object(WEB_POLICIES, openam=OPENAM)]
    async with running_gateway(empty, heap=heap, state=str(tmp_path / "pdp")) as pdp:
        yield pdp


@pytest.fixture
def openam(served: GatewayHandle) -> str:
    return pdp_url(served)


def _route(upstream: str, pdp: Any) -> dict[str, Any]:
    filters = [
        {"type": "BearerTokenFilter", "config": {"provider": "signer", "audience": AUDIENCE}},
        {"type": "PolicyEnforcementFilter", "config": {"pdp": pdp, "cache": {"enabled": False}}},
        {"type": "HeaderFilter", "config": {"messageType": "REQUEST",
                                            "add": {"X-Department": "${policy.attributes.department[0]}"}}},
    ]  # fmt: skip
    chain = {"type": "Chain", "config": {"filters": filters, "handler": "ClientHandler"}}
    return {"name": "web", "baseURI": upstream, "heap": [{"name": "openam", "type": "OpenAmPdp", "config": pdp}],
            "handler": chain}  # fmt: skip


@pytest.fixture
async def pep(
    openam: str, signer: SignerIssuer, upstream: Upstream, routes_dir: Path, tmp_path: Path
) -> AsyncIterator[GatewayHandle]:
    config = {"openamUrl": openam, "username": "pep", "password": "pep-secret", "application": "web"}
    route = _route(upstream.url, config)
    route["handler"]["config"]["filters"][1]["config"]["pdp"] = "openam"
    write_route(routes_dir, "10-web.json", route)
    async with running_gateway(routes_dir, heap=[signer_provider(signer)], state=str(tmp_path / "s")) as gateway:
        yield gateway


def _logins(served: GatewayHandle) -> int:
    pdp = served.runtime.heap.typed("pdp", "$", served.runtime.heap.ctx, PolicyDecisionPoint)
    return int(pdp.openam.logins)


async def _get(http: aiohttp.ClientSession, url: str, token: str, method: str = "GET") -> aiohttp.ClientResponse:
    async with http.request(method, url, headers={"Authorization": f"Bearer {token}"}) as response:
        await response.read()
        return response


async def test_a_permit_carries_attributes_to_the_upstream(
    pep: GatewayHandle, signer: SignerIssuer, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    response = await _get(http, f"{pep.url}/app/x", signer.access_token())
    assert response.status == 200
    assert dict(upstream.seen[-1]["headers"])["X-Department"] == "engineering"


async def test_an_action_the_policies_do_not_allow_is_refused_unforwarded(
    pep: GatewayHandle, signer: SignerIssuer, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    assert (await _get(http, f"{pep.url}/app/x", signer.access_token(), "POST")).status == 403
    assert (await _get(http, f"{pep.url}/elsewhere", signer.access_token())).status == 403
    assert upstream.seen == []


async def test_the_service_token_is_renewed_when_it_expires(
    served: GatewayHandle, pep: GatewayHandle, signer: SignerIssuer, http: aiohttp.ClientSession
) -> None:
    token = signer.access_token()
    assert (await _get(http, f"{pep.url}/app/1", token)).status == 200
    assert (await _get(http, f"{pep.url}/app/2", token)).status == 200
    assert _logins(served) == 1
    await asyncio.sleep(1.2)  # the PDP's login tokens live 1 s
    assert (await _get(http, f"{pep.url}/app/3", token)).status == 200
    assert _logins(served) == 2


async def test_an_auth_level_advice_asks_an_api_client_for_a_stronger_login(
    pep: GatewayHandle, signer: SignerIssuer, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    response = await _get(http, f"{pep.url}/gold/x", signer.access_token())
    assert response.status == 401
    challenge = response.headers["WWW-Authenticate"]
    assert 'error="insufficient_user_authentication"' in challenge and 'acr_values="gold"' in challenge
    assert upstream.seen == []


def openig_route(openam_url: str, upstream: str) -> dict[str, Any]:
    """An OpenIG route with a PolicyEnforcementFilter, as OpenIG's documentation writes it."""
    text = """{
      "name": "openig-pep",
      "baseURI": "UPSTREAM",
      "condition": "${matches(request.uri.path, '^/policy')}",
      "handler": {
        "type": "Chain",
        "config": {
          "filters": [
            {
              "type": "PolicyEnforcementFilter",
              "config": {
                "openamUrl": "OPENAM/",
                "pepUsername": "pep",
                "pepPassword": "pep-secret",
                "realm": "/",
                "application": "web",
                "ssoTokenSubject": "${request.cookies['iPlanetDirectoryPro'][0].value}",
                "jwtSubject": "${attributes.openid.id_token}"
              }
            }
          ],
          "handler": "ClientHandler"
        }
      }
    }"""
    return json.loads(text.replace("UPSTREAM", upstream).replace("OPENAM", openam_url))  # type: ignore[no-any-return]


async def test_an_openig_policy_enforcement_route_loads_unchanged_and_enforces(
    openam: str, upstream: Upstream, routes_dir: Path, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    write_route(routes_dir, "10-openig.json", openig_route(openam, upstream.url))
    async with running_gateway(routes_dir, state=str(tmp_path / "s")) as gateway:
        async with http.get(f"{gateway.admin}/admin/api/routes") as response:
            states = {r["name"]: r["state"] for r in (await response.json())["routes"]}
        assert states == {"openig-pep": "loaded"}
        cookie = {"Cookie": "iPlanetDirectoryPro=AQIC5w-session"}
        async with http.get(f"{gateway.url}/policy/page", headers=cookie) as response:
            assert response.status == 200
        async with http.get(f"{gateway.url}/policy/page") as response:
            assert response.status == 403
    assert [r["raw_path"] for r in upstream.seen] == ["/policy/page"]


async def test_the_openam_endpoint_refuses_bad_logins_and_forged_tokens(
    openam: str, http: aiohttp.ClientSession
) -> None:
    wrong = {"X-OpenAM-Username": "pep", "X-OpenAM-Password": "wrong"}
    async with http.post(f"{openam}/json/authenticate", headers=wrong) as response:
        assert response.status == 401
    login = {"X-OpenAM-Username": "pep", "X-OpenAM-Password": "pep-secret"}
    async with http.post(f"{openam}/json/authenticate", headers=login) as response:
        token = (await response.json())["tokenId"]
    body = {"resources": ["http://app.example/app/x"], "application": "web", "subject": {"claims": {"sub": "a"}}}
    user, expiry, nonce, mac = token.split(".")
    forged = [f"{user}.{int(expiry) + 3600}.{nonce}.{mac}", f"{user}.{expiry}.{nonce}.{mac[:-2]}AA", "", "a.b"]
    for candidate in [token, *forged]:
        headers = {"iPlanetDirectoryPro": candidate, "Accept-API-Version": "protocol=1.0,resource=2.0"}
        async with http.post(f"{openam}/json/policies?_action=evaluate", json=body, headers=headers) as response:
            assert response.status == (200 if candidate == token else 401), candidate
            if candidate == token:
                (answer,) = await response.json()
                assert answer["actions"] == {"DELETE": False, "GET": True, "POST": False, "PUT": False}
                assert answer["attributes"] == {"department": ["engineering"]}
