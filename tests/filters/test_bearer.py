"""BearerTokenFilter against the real provider: JWT and opaque access tokens accepted, bad ones
refused with the RFC 6750 answers, verified tokens and introspection answers cached."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from multidict import CIMultiDictProxy

from gateway.oauth import tokens
from idp.driver import API_RESOURCE, IdP
from idp.flows import REDIRECT_URI, SCOPE
from idp.tokens import api_jwt, login_tokens, metadata_of
from tests.support.auth_routes import auth_route, header, provider
from tests.support.gateway import GatewayHandle, running_gateway, write_route
from tests.support.idp_proxy import CountingProxy, proxied_idp
from tests.support.signer import tamper
from tests.support.signer_issuer import SignerIssuer
from tests.support.upstream import Upstream, raw_request

OTHER_RESOURCE = "urn:other:api"
RESOURCES = {
    API_RESOURCE: {"scope": "api:read api:write", "accessTokenFormat": "jwt"},
    OTHER_RESOURCE: {"scope": "other:read", "accessTokenFormat": "jwt"},
}
INTROSPECTION = "/token/introspection"


@pytest.fixture(scope="module")
def provider_proxy() -> Iterator[tuple[IdP, CountingProxy]]:
    """One real provider for the module, behind a counting proxy."""
    with proxied_idp(redirect_uris=[REDIRECT_URI], resources=RESOURCES) as pair:
        yield pair


@pytest.fixture
def idp(provider_proxy: tuple[IdP, CountingProxy]) -> IdP:
    return provider_proxy[0]


def _bearer(**config: object) -> tuple[str, dict[str, object]]:
    return ("BearerTokenFilter", {"provider": "idp", "audience": API_RESOURCE, **config})


@pytest.fixture
async def gateway(
    idp: IdP, signer: SignerIssuer, upstream: Upstream, routes_dir: Path, tmp_path: Path
) -> AsyncIterator[GatewayHandle]:
    """A gateway with one route per bearer configuration under test."""
    headers = {"identityHeaders": {"X-User": "${identity.sub}", "X-Scopes": "${join(identity.scopes, ' ')}"}}
    routes = [
        auth_route("read", "/read", upstream.url, _bearer(scopes=["api:read"], **headers)),
        auth_route("write", "/write", upstream.url, _bearer(scopes=["api:write"], realm="api")),
        auth_route("any", "/any", upstream.url, _bearer(cacheTtl="1 s", **headers)),
        auth_route("jwtonly", "/jwtonly", upstream.url, _bearer(introspection=False)),
        auth_route("signed", "/signed", upstream.url, _bearer(provider="signer")),
        auth_route("lenient", "/lenient", upstream.url, _bearer(allowMissingTokenType=True, **headers)),
        auth_route("tolerant", "/tolerant", upstream.url, _bearer(provider="signer", allowMissingTokenType=True)),
    ]
    for index, route in enumerate(routes):
        write_route(routes_dir, f"{index:02d}-{route['name']}.json", route)
    heap = [provider("idp", idp.issuer), provider("signer", signer.url)]
    async with running_gateway(routes_dir, heap=heap, state=str(tmp_path / "state")) as handle:
        yield handle


@dataclass
class Answer:
    status: int
    headers: CIMultiDictProxy[str]
    body: dict[str, Any]


async def _get(http: aiohttp.ClientSession, url: str, token: str | None, **headers: str) -> Answer:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    async with http.get(url, headers=headers) as response:
        return Answer(response.status, response.headers, await response.json())


async def test_provider_jwt_reaches_the_upstream_with_identity_headers(
    idp: IdP, gateway: GatewayHandle, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    token = await api_jwt(idp, "bob")
    async with http.get(
        f"{gateway.url}/read/x", headers={"Authorization": f"Bearer {token}", "X_User": "mallory"}
    ) as response:
        assert response.status == 200
        record = await response.json()
    assert header(record, "X-User") == ["bob"]
    assert header(record, "X-Scopes") == ["api:read"]
    assert header(record, "X_User") == []
    assert header(record, "Authorization") == [f"Bearer {token}"]


async def test_opaque_token_is_introspected_once_then_served_from_the_cache(
    provider_proxy: tuple[IdP, CountingProxy], gateway: GatewayHandle, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    idp, proxy = provider_proxy
    answer = await login_tokens(idp, "olivia", resource=None)
    before = proxy.count("POST", INTROSPECTION)
    for _ in range(3):
        assert (await _get(http, f"{gateway.url}/any/x", answer.access_token)).status == 200
    assert proxy.count("POST", INTROSPECTION) - before == 1
    assert header(upstream.seen[-1], "X-User") == ["olivia"]


async def test_revoked_opaque_token_is_refused_once_the_cache_bound_has_passed(
    idp: IdP, gateway: GatewayHandle, http: aiohttp.ClientSession
) -> None:
    answer = await login_tokens(idp, "rita", resource=None)
    assert (await _get(http, f"{gateway.url}/any/x", answer.access_token)).status == 200
    metadata = await metadata_of(idp)
    assert metadata.revocation_endpoint is not None
    await tokens.revoke(http, metadata.revocation_endpoint, idp.web_client, answer.access_token)
    await asyncio.sleep(1.2)  # the route caches introspection answers for 1 s
    response = await _get(http, f"{gateway.url}/any/x", answer.access_token)
    assert response.status == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="gateway", error="invalid_token"'


async def _refused(
    http: aiohttp.ClientSession, url: str, token: str | None, upstream: Upstream, **headers: str
) -> Answer:
    seen = len(upstream.seen)
    response = await _get(http, url, token, **headers)
    assert len(upstream.seen) == seen, "a refused request reached the upstream"
    return response


async def _invalid_token(http: aiohttp.ClientSession, url: str, token: str, upstream: Upstream) -> str:
    """The precise reason of a 401 `invalid_token` refusal (RFC 6750 3.1)."""
    response = await _refused(http, url, token, upstream)
    assert response.status == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    return str(response.body["error"])


async def test_refresh_token_presented_as_a_bearer_token_is_invalid(
    idp: IdP, gateway: GatewayHandle, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    answer = await login_tokens(idp, "rita", resource=None)
    assert answer.refresh_token is not None
    response = await _refused(http, f"{gateway.url}/any/x", answer.refresh_token, upstream)
    assert response.status == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="gateway", error="invalid_token"'
    assert response.body["error"] == "bad_token_type"
    # The login is fine: its access token, which the provider introspects as Bearer, passes.
    assert (await _get(http, f"{gateway.url}/any/x", answer.access_token)).status == 200


async def test_a_route_that_allows_a_missing_token_type_accepts_the_refresh_token(
    idp: IdP, gateway: GatewayHandle, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    answer = await login_tokens(idp, "sam", resource=None)
    assert answer.refresh_token is not None
    assert (await _get(http, f"{gateway.url}/lenient/x", answer.refresh_token)).status == 200
    assert header(upstream.seen[-1], "X-User") == ["sam"]


async def test_token_for_another_audience_is_invalid(
    idp: IdP, gateway: GatewayHandle, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    token = await api_jwt(idp, "bob", scope="other:read", resource=OTHER_RESOURCE)
    response = await _refused(http, f"{gateway.url}/read/x", token, upstream)
    assert response.status == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="gateway", error="invalid_token", scope="api:read"'
    assert response.body["error"] == "bad_audience"


async def test_expired_token_is_invalid_while_a_fresh_one_from_the_same_signer_passes(
    signer: SignerIssuer, gateway: GatewayHandle, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    assert (await _get(http, f"{gateway.url}/signed/x", signer.access_token())).status == 200
    expired = signer.access_token(exp=1_600_000_000, iat=1_599_999_000)
    assert await _invalid_token(http, f"{gateway.url}/signed/x", expired, upstream) == "expired"


async def test_id_token_used_as_access_token_is_invalid(
    idp: IdP, gateway: GatewayHandle, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    answer = await login_tokens(idp, "bob", resource=API_RESOURCE, scope=f"{SCOPE} api:read")
    assert answer.id_token is not None
    for path in ("/read/x", "/jwtonly/x"):
        assert await _invalid_token(http, f"{gateway.url}{path}", answer.id_token, upstream) == "bad_token_type"


async def test_tampered_token_is_invalid(
    idp: IdP, gateway: GatewayHandle, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    token = await api_jwt(idp, "bob")
    forged = tamper(token, sub="admin", scope="api:read api:write")
    assert await _invalid_token(http, f"{gateway.url}/read/x", forged, upstream) == "bad_signature"
    assert (await _get(http, f"{gateway.url}/read/x", token)).status == 200


async def test_token_without_the_required_scope_is_403_naming_the_scope(
    idp: IdP, gateway: GatewayHandle, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    token = await api_jwt(idp, "bob", scope="api:read")
    response = await _refused(http, f"{gateway.url}/write/x", token, upstream)
    assert response.status == 403
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api", error="insufficient_scope", scope="api:write"'


async def test_request_without_a_token_gets_a_challenge_without_error(
    gateway: GatewayHandle, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    response = await _refused(http, f"{gateway.url}/write/x", None, upstream, Authorization="Basic YTpi")
    assert response.status == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'


async def test_token_in_the_query_string_is_refused(
    idp: IdP, gateway: GatewayHandle, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    token = await api_jwt(idp, "bob")
    async with http.get(f"{gateway.url}/read/x", params={"access_token": token}) as response:
        assert response.status == 400
        assert 'error="invalid_request"' in response.headers["WWW-Authenticate"]
    assert upstream.seen == []


async def test_several_authorization_headers_are_refused(idp: IdP, gateway: GatewayHandle, upstream: Upstream) -> None:
    token = await api_jwt(idp, "bob")
    pair = [("Authorization", f"Bearer {token}"), ("Authorization", "Bearer other")]
    response = await raw_request(gateway.url, "/read/x", headers=pair)
    assert response.status == 400
    assert 'error="invalid_request"' in (response.header("WWW-Authenticate") or "")
    assert upstream.seen == []


async def test_opaque_token_is_refused_where_only_jwts_are_accepted(
    idp: IdP, gateway: GatewayHandle, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    answer = await login_tokens(idp, "bob", resource=None)
    assert (await _refused(http, f"{gateway.url}/jwtonly/x", answer.access_token, upstream)).status == 401


@pytest.mark.parametrize(
    ("introspection", "status"),
    [
        ((500, {}), 502),
        ((401, {"error": "invalid_client"}), 502),
        ((200, {"active": "true", "sub": "carol"}), 401),
        ((200, {"active": True, "sub": "carol", "aud": "urn:elsewhere"}), 401),
        ((200, {"active": True, "sub": "carol", "iss": "https://other.example"}), 401),
        ((200, {"active": True, "sub": "carol", "exp": 1_600_000_000}), 401),
        ((200, {"active": True, "sub": "carol", "token_type": "refresh_token"}), 401),
        ((200, {"active": True, "sub": "carol"}), 401),
    ],
)
async def test_introspection_that_fails_or_is_not_plainly_active_denies(
    signer: SignerIssuer,
    gateway: GatewayHandle,
    upstream: Upstream,
    http: aiohttp.ClientSession,
    introspection: tuple[int, dict[str, object]],
    status: int,
) -> None:
    signer.introspection = introspection
    response = await _refused(http, f"{gateway.url}/signed/x", "opaque-token-1", upstream)
    assert response.status == status
    assert signer.introspections == 1


async def test_plainly_active_introspection_answer_is_accepted(
    signer: SignerIssuer, gateway: GatewayHandle, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    signer.introspection = (200, {"active": True, "sub": "carol", "aud": API_RESOURCE, "token_type": "Bearer"})
    assert (await _get(http, f"{gateway.url}/signed/x", "opaque-token-2")).status == 200
    assert len(upstream.seen) == 1


async def test_allowing_a_missing_token_type_still_refuses_another_type(
    signer: SignerIssuer, gateway: GatewayHandle, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    signer.introspection = (200, {"active": True, "sub": "carol"})
    assert (await _get(http, f"{gateway.url}/tolerant/x", "opaque-token-3")).status == 200
    signer.introspection = (200, {"active": True, "sub": "carol", "token_type": "refresh_token"})
    assert await _invalid_token(http, f"{gateway.url}/tolerant/x", "opaque-token-4", upstream) == "bad_token_type"
