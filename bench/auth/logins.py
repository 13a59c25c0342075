"""Credentials for the load: real logins through each server against the real provider.

The bearer token is an RFC 9068 JWT access token from a code flow with the API resource; the
*distinct* tokens are that token's claims re-signed with the provider's own signing key, each with
its own `jti` (one code flow per token would take minutes). The session cookies come from scripted
browser logins through each server's own OpenID Connect login (mod_auth_openidc's redirect URI,
the gateway's callback), so every one is a real session on that server.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

from joserfc import jwt
from joserfc.jwk import KeySet
from yarl import URL

from idp.driver import API_RESOURCE, IdP, browser, login
from idp.flows import REDIRECT_URI
from idp.tokens import api_jwt

USER = "bench-user"
# Long enough for every run of the benchmark: the same token is replayed throughout.
TOKEN_TTL = 7200


def provider(apache_port: int, gateway_port: int) -> IdP:
    """The provider, knowing both servers' redirect URIs (not started)."""
    redirects = [
        f"http://127.0.0.1:{apache_port}/cookie/redirect_uri",
        f"http://127.0.0.1:{gateway_port}/oauth2/callback",
        REDIRECT_URI,
    ]
    resources: dict[str, Any] = {API_RESOURCE: {"scope": "api:read api:write", "accessTokenTTL": TOKEN_TTL}}
    return IdP(redirect_uris=redirects, resources=resources, ttl={"AccessToken": TOKEN_TTL})


def bearer_token(idp: IdP) -> str:
    """A JWT access token for the API with scope api:read."""
    return asyncio.run(api_jwt(idp, USER))


def distinct_tokens(idp: IdP, token: str, count: int) -> list[str]:
    """`count` valid tokens with the claims of `token`, each with its own `jti`, signed by the provider's key."""
    keys = KeySet.import_key_set(idp.jwks)  # type: ignore[arg-type]
    real = jwt.decode(token, keys)
    return [jwt.encode(real.header, {**real.claims, "jti": secrets.token_urlsafe(16)}, keys) for _ in range(count)]


def session_cookie(protected_url: str, names: tuple[str, ...]) -> str:
    """Log in through the server at `protected_url`; the Cookie header value of its session."""
    return asyncio.run(_session_cookie(URL(protected_url), names))


def session_cookies(protected_url: str, names: tuple[str, ...], count: int, parallel: int = 8) -> list[str]:
    """`count` sessions, each from its own login through the server at `protected_url`."""
    return asyncio.run(_many(URL(protected_url), names, count, parallel))


async def _many(url: URL, names: tuple[str, ...], count: int, parallel: int) -> list[str]:
    gate = asyncio.Semaphore(parallel)

    async def one() -> str:
        async with gate:
            return await _session_cookie(url, names)

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def _session_cookie(url: URL, names: tuple[str, ...]) -> str:
    async with browser() as session:
        # A browser: the gateway answers API clients 401 instead of sending them to log in.
        session.headers["Accept"] = "text/html,application/xhtml+xml"
        final = await login(session, url, USER)
        if final != url:
            raise RuntimeError(f"the login through {url} ended at {final}")
        jar = session.cookie_jar.filter_cookies(url)
        pairs = [f"{name}={morsel.value}" for name, morsel in jar.items() if name.startswith(names)]
    if not pairs:
        raise RuntimeError(f"no session cookie {names} after logging in at {url}")
    return "; ".join(pairs)
