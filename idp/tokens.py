"""Tokens from the real provider, got the way a client of it gets them (code flow with PKCE)."""

from __future__ import annotations

import aiohttp

from gateway.oauth import tokens
from gateway.oauth.discovery import ProviderMetadata, discover
from idp.driver import API_RESOURCE, IdP, browser
from idp.flows import REDIRECT_URI, SCOPE, authorize


async def metadata_of(idp: IdP) -> ProviderMetadata:
    """The provider's discovery metadata."""
    async with aiohttp.ClientSession() as client:
        return await discover(client, idp.issuer)


async def login_tokens(idp: IdP, user: str, *, resource: str | None, scope: str = SCOPE) -> tokens.TokenResponse:
    """Log `user` in at the provider and return the token response."""
    metadata = await metadata_of(idp)
    async with browser() as session:
        auth = await authorize(session, metadata, idp, user, scope=scope, resource=resource)
        return await tokens.exchange_code(
            session, metadata.token_endpoint, idp.web_client, code=auth.code, redirect_uri=REDIRECT_URI,
            code_verifier=auth.pkce.verifier, resource=resource,
        )  # fmt: skip


async def api_jwt(idp: IdP, user: str, scope: str = "api:read", resource: str = API_RESOURCE) -> str:
    """An RFC 9068 access token for `resource` with `scope`."""
    return (await login_tokens(idp, user, resource=resource, scope=f"{SCOPE} {scope}")).access_token
