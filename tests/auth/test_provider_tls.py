"""An OidcProvider with TLS options: discovery over https trusts the provider's CA bundle, and without
it the provider's certificate is refused (the login is a 502, nothing is redirected)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

from tests.support.auth_routes import auth_route, provider
from tests.support.gateway import running_gateway, write_route
from tests.support.tls import Pki, https_upstream_app, server_context
from tests.support.upstream import raw_request


async def _login(routes_dir: Path, tmp_path: Path, tls: dict[str, Any] | None) -> tuple[int, str | None]:
    pki = Pki(tmp_path)
    cert, _ = pki.leaf("op.pem", "localhost")
    app = web.Application()
    app.router.add_get("/.well-known/openid-configuration", _discovery)
    async with https_upstream_app(app, server_context(cert)) as port:
        issuer = f"https://localhost:{port}"
        options = {"tls": {key: str(pki.ca_file) for key in tls}} if tls else {}
        login = ("OidcLoginFilter", {"providers": ["corp"]})
        write_route(routes_dir, "10-app.json", auth_route("app", "/app", "http://127.0.0.1:9", login))
        async with running_gateway(routes_dir, heap=[provider("corp", issuer, **options)]) as gateway:
            answer = await raw_request(gateway.url, "/app/", headers=[("Accept", "text/html")])
    return answer.status, answer.header("Location")


async def _discovery(request: web.Request) -> web.Response:
    issuer = f"https://{request.host}"
    endpoints = {name: f"{issuer}/{name.split('_')[0]}" for name in ("authorization_endpoint", "token_endpoint")}
    return web.json_response({"issuer": issuer, "jwks_uri": f"{issuer}/jwks", **endpoints})


async def test_discovery_trusts_the_providers_ca_bundle(routes_dir: Path, tmp_path: Path) -> None:
    status, location = await _login(routes_dir, tmp_path, {"caBundle": ""})
    assert status == 302
    assert location is not None and location.startswith("https://localhost:") and "/authorization?" in location


async def test_without_the_ca_bundle_the_providers_certificate_is_refused(routes_dir: Path, tmp_path: Path) -> None:
    status, location = await _login(routes_dir, tmp_path, None)
    assert status == 502
    assert location is None
