"""Browser login through a real gateway: config builders, a browser, and page helpers.

The gateway listens on a port chosen before the provider starts, because the provider must know
the gateway's callback URL (its registered redirect URI) when it starts.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
from multidict import CIMultiDictProxy
from yarl import URL

from idp.driver import IdP, login, parse_forms, web_client_metadata
from tests.support.gateway import GatewayHandle, running_gateway, write_route
from tests.support.process import GatewayProcess

HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
COOKIE = "gw_session"
CALLBACK = "/oauth2/callback"
LOGOUT = "/oauth2/logout"
BACKCHANNEL = "/oauth2/backchannel-logout"
LOGIN = "/oauth2/login"
IDENTITY_HEADERS = {
    "X-User": "${identity.sub}",
    "X-Email": "${identity.claims.email}",
    "X-Groups": "${join(identity.claims.groups, ',')}",
}


def html_browser() -> aiohttp.ClientSession:
    """A browser: a cookie jar that keeps 127.0.0.1's cookies, and HTML first in Accept."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), headers={"Accept": HTML})


async def log_in_at(browser: aiohttp.ClientSession, url: str, user: str) -> None:
    """Log in as `user` from `url` at the real provider; the browser comes back to `url`."""
    final = await login(browser, url, user)
    assert final == URL(url)


def real_idp(gateway_url: str, *, client_id: str = "gateway-web", **options: Any) -> IdP:
    """The real provider, registering the gateway's callback, logout return and back-channel URIs."""
    client = web_client_metadata(
        [gateway_url + CALLBACK],
        client_id=client_id,
        post_logout_redirect_uris=[gateway_url + LOGOUT],
        backchannel_logout_uri=gateway_url + BACKCHANNEL,
    )
    return IdP(clients=[client], **options)


def provider(name: str, issuer: str, client_id: str, secret: str, **config: Any) -> dict[str, Any]:
    """An OidcProvider declaration for the global heap."""
    body = {"issuer": issuer, "clientId": client_id, "clientSecret": secret, "jwksCooldown": "1 s"}
    return {"name": name, "type": "OidcProvider", "config": body | config}


def idp_provider(name: str, idp: IdP, **config: Any) -> dict[str, Any]:
    """An OidcProvider for a real provider's web client."""
    client = idp.web_client
    config.setdefault("scopes", ["openid", "email", "profile", "groups"])
    return provider(name, idp.issuer, client.client_id, client.client_secret or "", **config)


def login_route(upstream: str, providers: Sequence[str], prefix: str = "/app", **options: Any) -> dict[str, Any]:
    """A route under `prefix` behind OidcLoginFilter, proxied to `upstream`."""
    config = {"providers": list(providers), "identityHeaders": IDENTITY_HEADERS} | options
    chain = {"filters": [{"type": "OidcLoginFilter", "config": config}], "handler": "ClientHandler"}
    return {
        "name": prefix.strip("/") or "root",
        "baseURI": upstream,
        "condition": f"${{startsWith(request.uri.path, '{prefix}')}}",
        "handler": {"type": "Chain", "config": chain},
    }


def public_route(upstream: str) -> dict[str, Any]:
    """A route for everything else, with no authentication."""
    return {"name": "public", "baseURI": upstream, "handler": "ClientHandler"}


@asynccontextmanager
async def login_gateway(
    tmp_path: Path, port: int, heap: list[dict[str, Any]], routes: dict[str, dict[str, Any]], **settings: Any
) -> AsyncIterator[GatewayHandle]:
    """A gateway on `port` with these global providers and route files."""
    folder = tmp_path / "routes"
    folder.mkdir(exist_ok=True)
    for filename, route in routes.items():
        write_route(folder, filename, route)
    options = {"listen": f"127.0.0.1:{port}", "heap": heap, "state": str(tmp_path / "state")} | settings
    async with running_gateway(folder, **options) as gateway:
        yield gateway


@asynccontextmanager
async def app_gateway(tmp_path: Path, port: int, idp: IdP, upstream_url: str) -> AsyncIterator[GatewayHandle]:
    """A gateway with `idp` as provider "corp": /app needs a login, every other path is public."""
    routes = {"10-app.json": login_route(upstream_url, ["corp"]), "90-public.json": public_route(upstream_url)}
    async with login_gateway(tmp_path, port, [idp_provider("corp", idp)], routes) as gateway:
        yield gateway


async def page_forms(session: aiohttp.ClientSession, url: str | URL) -> tuple[int, str]:
    """GET a page without following redirects; its status and text."""
    async with session.get(url, allow_redirects=False) as response:
        return response.status, await response.text()


def session_cookie_set(headers: CIMultiDictProxy[str]) -> bool:
    """Whether response headers set a (non-empty) gateway session cookie."""
    for header in headers.getall("Set-Cookie", []):
        name, _, rest = header.partition("=")
        if name.split(".")[0] == COOKIE and not rest.startswith(";"):
            return True
    return False


def has_login_form(page: str) -> bool:
    """Whether a provider page asks for a login name."""
    return any("login" in form.fields for form in parse_forms(page))


async def session_alive(gateway: GatewayHandle | GatewayProcess, cookie: str) -> bool:
    """Whether the session cookie still opens `/app/check` (200), not an API client's 401."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as client:
        headers = {"Cookie": cookie, "Accept": "application/json"}
        async with client.get(gateway.url + "/app/check", headers=headers) as response:
            assert response.status in (200, 401)
            return response.status == 200


async def refused_within_a_second(gateway: GatewayHandle, cookie: str) -> bool:
    """Whether the session stops working within a second (revocation reaches every process that fast)."""
    for _ in range(20):
        if not await session_alive(gateway, cookie):
            return True
        await asyncio.sleep(0.05)
    return False
