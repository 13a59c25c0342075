"""OpenIG's OAuth 2.0 types refuse what they cannot honour, each at its JSON path with what to do instead,
and their `requireHttps` default refuses plain http before any provider is asked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from gateway.app import create_services
from gateway.auth.registration import ClientRegistration
from gateway.heap.context import BuildContext
from gateway.lint import check_paths
from gateway.runtime import build_global_heap
from gateway.settings import Settings
from tests.support.fixtures import Serve, chain

WELL_KNOWN = "https://idp.example.com/.well-known/openid-configuration"
ISSUER = {
    "name": "idp",
    "type": "Issuer",
    "config": {"wellKnownEndpoint": WELL_KNOWN},
}
CLIENT = {
    "name": "app",
    "type": "ClientRegistration",
    "config": {"clientId": "c", "clientSecret": "s", "issuer": "idp"},
}
KEYS = {"type": "JwkSetSecretStore", "config": {"jwkUrl": "https://idp.example.com/jwks"}}
STATELESS = {
    "type": "StatelessAccessTokenResolver",
    "config": {"issuer": "https://idp.example.com", "secretsProvider": KEYS},
}
FAILED = {"type": "StaticResponseHandler", "config": {"status": 418, "entity": "${attributes.openid.error.error}"}}
# The requests these tests send are refused before any upstream is called.
NOWHERE = "http://127.0.0.1:9"


LOGIN = {"clientEndpoint": "/openid", "registrations": ["app"]}


def _object(kind: str, config: dict[str, Any]) -> dict[str, Any]:
    return {"name": "under-test", "type": kind, "config": config}


CASES: list[tuple[dict[str, Any], str, str]] = [
    (_object("Issuer", {"authorizeEndpoint": "https://idp.example.com/a"}), "$.heap[2].config", "wellKnownEndpoint"),
    (_object("Issuer", {"wellKnownEndpoint": "https://idp.example.com/config"}), "wellKnownEndpoint", "does not end"),
    (_object("Issuer", {"wellKnownEndpoint": WELL_KNOWN.replace("https:", "http:")}), "wellKnownEndpoint", "not https"),
    (
        _object("ClientRegistration", {"clientId": "c", "issuer": "idp", "skipSignatureVerification": True}),
        "skipSignatureVerification",
        "always verified",
    ),
    (
        _object("ClientRegistration", {"clientId": "c", "issuer": "idp", "tokenEndpointAuthMethod": "private_key_jwt"}),
        "tokenEndpointAuthMethod",
        "client_secret_basic",
    ),
    (_object("ClientRegistration", {"clientId": "c", "issuer": "nowhere"}), "issuer", "nowhere"),
    (
        _object("OAuth2ClientFilter", {"clientEndpoint": "openid", "registrations": ["app"]}),
        "clientEndpoint",
        "not a path",
    ),
    (
        _object(
            "OAuth2ClientFilter", {"clientEndpoint": "/openid", "registrations": ["app"], "target": "${session.x}"}
        ),
        "target",
        "not a place",
    ),
    (
        _object("OAuth2ClientFilter", {"clientEndpoint": "/openid", "registrations": "idp"}),
        "registrations[0]",
        "ClientRegistration",
    ),
    (
        _object("OAuth2ClientFilter", {**LOGIN, "defaultLoginGoto": "https://app.example.com/home"}),
        "defaultLoginGoto",
        "not a path of this gateway",
    ),
    (
        _object(
            "OAuth2ResourceServerFilter",
            {"tokenInfoEndpoint": "https://am/oauth2/tokeninfo", "accessTokenResolver": STATELESS},
        ),
        "tokenInfoEndpoint",
        "TokenIntrospectionAccessTokenResolver",
    ),
    (_object("OAuth2ResourceServerFilter", {"scopes": ["a"]}), "accessTokenResolver", "StatelessAccessTokenResolver"),
    (
        _object(
            "OAuth2ResourceServerFilter", {"accessTokenResolver": {"type": "OpenAmAccessTokenResolver", "config": {}}}
        ),
        "accessTokenResolver",
        "use TokenIntrospectionAccessTokenResolver",
    ),
    (_object("OAuth2ResourceServerFilter", {"accessTokenResolver": STATELESS, "realm": 'a"b'}), "realm", "quotes"),
    (
        _object("OAuth2ResourceServerFilter", {"accessTokenResolver": STATELESS, "scopes": ["${request.nope}"]}),
        "scopes[0]",
        "nope",
    ),
    (
        _object("TokenIntrospectionAccessTokenResolver", {"endpoint": "https://idp.example.com/introspect"}),
        "clientId",
        "required",
    ),
]


@pytest.mark.parametrize(("declaration", "path", "words"), CASES)
def test_a_mistake_is_reported_at_its_path_with_what_to_do(
    declaration: dict[str, Any], path: str, words: str, tmp_path: Path
) -> None:
    route = {"heap": [ISSUER, CLIENT, declaration], "handler": "ClientHandler"}
    (tmp_path / "10-r.json").write_text(json.dumps(route), encoding="utf-8")
    messages = [str(problem) for problem in check_paths([tmp_path], None)]
    where = path if path.startswith("$") else f"$.heap[2].config.{path}"
    assert any(where in m and words in m for m in messages), messages


async def test_the_client_filter_refuses_plain_http_through_its_failure_handler(
    serve: Serve, http: aiohttp.ClientSession
) -> None:
    login = {
        "type": "OAuth2ClientFilter",
        "config": {"clientEndpoint": "/openid", "registrations": ["app"], "failureHandler": FAILED},
    }
    route = {"heap": [ISSUER, CLIENT], "baseURI": NOWHERE, "handler": chain([login])}
    gateway = await serve(**{"10-r.json": route})
    async with http.get(gateway.url + "/openid/login") as response:
        assert (response.status, await response.text()) == (418, "bad_request")


async def test_the_resource_server_refuses_a_token_over_plain_http(serve: Serve, http: aiohttp.ClientSession) -> None:
    guard = {"type": "OAuth2ResourceServerFilter", "config": {"accessTokenResolver": STATELESS}}
    gateway = await serve(**{"10-r.json": {"baseURI": NOWHERE, "handler": chain([guard])}})
    async with http.get(gateway.url + "/api", headers={"Authorization": "Bearer abc.def.ghi"}) as response:
        assert response.status == 400
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="OpenIG", error="invalid_request"'


def test_a_registration_never_takes_the_sessions_of_a_same_named_provider_elsewhere(tmp_path: Path) -> None:
    services = create_services(Settings.model_validate({"state": str(tmp_path)}))
    heap = build_global_heap(services)
    issuer = {"type": "Issuer", "config": {"wellKnownEndpoint": WELL_KNOWN}}
    inline = {"type": "ClientRegistration", "config": {"clientId": "corp", "issuer": issuer}}
    found = []
    for file in ("routes/10-a.json", "routes/20-b.json"):
        ctx = BuildContext(file, services, heap=heap)
        found.append(ctx.resolve(inline, "$.heap[0]", ClientRegistration))
        assert ctx.errors == []
    names = [r.provider.name for r in found if r is not None]
    labels = [r.provider.label for r in found if r is not None]
    assert (names, labels) == (["corp@10-a", "corp@20-b"], ["corp", "corp"])
