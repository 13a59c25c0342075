"""The provider's JWKS endpoint going down: keys fetched before keep bearer routes working, for
tokens never seen before too (nothing is served from the verified-token cache here)."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path

import aiohttp
import pytest

from idp.driver import API_RESOURCE, IdP
from idp.flows import REDIRECT_URI
from idp.tokens import api_jwt
from tests.support.auth_routes import auth_route, provider
from tests.support.gateway import running_gateway, write_route
from tests.support.signer import tamper
from tests.support.upstream import Upstream

pytestmark = pytest.mark.slow


async def _status(url: str, token: str) -> int:
    async with (
        aiohttp.ClientSession() as http,
        http.get(url, headers={"Authorization": f"Bearer {token}"}) as response,
    ):
        return response.status


async def test_cached_keys_verify_new_tokens_while_the_jwks_endpoint_is_down(
    routes_dir: Path, tmp_path: Path, upstream: Upstream
) -> None:
    resources = {API_RESOURCE: {"scope": "api:read", "accessTokenFormat": "jwt"}}
    with IdP(redirect_uris=[REDIRECT_URI], resources=resources) as idp:
        first, unseen = await api_jwt(idp, "alice"), await api_jwt(idp, "bob")
        bearer = {"provider": "idp", "audience": API_RESOURCE, "scopes": ["api:read"], "introspection": False}
        write_route(routes_dir, "10-api.json", auth_route("api", "/api", upstream.url, ("BearerTokenFilter", bearer)))
        heap = [provider("idp", idp.issuer)]
        async with running_gateway(routes_dir, heap=heap, state=str(tmp_path / "state")) as gateway:
            url = gateway.url + "/api/items"
            assert await _status(url, first) == 200  # discovery and the key set are fetched now
            await asyncio.to_thread(idp.stop)
            assert await _status(url, unseen) == 200
            assert await _status(url, first) == 200
            # Verification still happens: a token whose payload was changed is refused.
            assert await _status(url, tamper(unseen, sub="mallory")) == 401
            # A key id never fetched needs the endpoint: 503 until it is back, never a pass.
            assert await _status(url, _with_kid(unseen, "rotated-in-meanwhile")) == 503


def _with_kid(token: str, kid: str) -> str:
    """The token with its header's kid replaced (the signature no longer matters: no key is found)."""
    header, payload, signature = token.split(".")
    fields = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    encoded = base64.urlsafe_b64encode(json.dumps({**fields, "kid": kid}).encode()).rstrip(b"=").decode()
    return f"{encoded}.{payload}.{signature}"
