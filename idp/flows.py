"""Client-side steps of the authorization code flow against the real provider."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
from yarl import URL

from gateway.oauth import tokens
from gateway.oauth.discovery import ProviderMetadata
from gateway.oauth.pkce import Pkce, new_nonce, new_state
from gateway.oauth.tokens import TokenResponse
from idp.driver import IdP, login

# Nothing listens there: the browser stops at the redirect and the test reads the code.
REDIRECT_URI = "http://127.0.0.1:9/oauth2/callback"
POST_LOGOUT_URI = "http://127.0.0.1:9/logged-out"
SCOPE = "openid email profile groups offline_access"


@dataclass(frozen=True)
class Authorization:
    """An authorization code and the per-attempt values sent with its request."""

    code: str
    pkce: Pkce
    nonce: str


async def authorize(
    session: aiohttp.ClientSession,
    metadata: ProviderMetadata,
    idp: IdP,
    username: str,
    *,
    scope: str = SCOPE,
    resource: str | None = None,
) -> Authorization:
    """Log `username` in with PKCE, state and nonce; return the code from the redirect."""
    pkce, state, nonce = Pkce.new(), new_state(), new_nonce()
    query = {
        "client_id": idp.web_client.client_id,
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": state,
        "nonce": nonce,
        "code_challenge": pkce.challenge,
        "code_challenge_method": pkce.method,
    }
    if resource is not None:
        query["resource"] = resource
    url = URL(metadata.authorization_endpoint).with_query(query)
    final = await login(session, url, username, stop_at=REDIRECT_URI)
    assert final.query["state"] == state
    return Authorization(final.query["code"], pkce, nonce)


async def code_flow(
    session: aiohttp.ClientSession,
    metadata: ProviderMetadata,
    idp: IdP,
    username: str,
    *,
    resource: str | None = None,
) -> tuple[Authorization, TokenResponse]:
    """Log in and exchange the code; return the authorization and the tokens."""
    scope = SCOPE if resource is None else f"{SCOPE} api:read"
    auth = await authorize(session, metadata, idp, username, scope=scope, resource=resource)
    answer = await tokens.exchange_code(
        session,
        metadata.token_endpoint,
        idp.web_client,
        code=auth.code,
        redirect_uri=REDIRECT_URI,
        code_verifier=auth.pkce.verifier,
        resource=resource,
    )
    return auth, answer
