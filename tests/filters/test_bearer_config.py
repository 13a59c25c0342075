"""Configuration errors of BearerTokenFilter and DeviceFlowFilter, each reported at its JSON path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gateway.app import create_services
from gateway.routing.loader import load_route
from gateway.runtime import build_global_heap
from gateway.settings import Settings
from tests.support.auth_routes import auth_route, provider

UPSTREAM = "http://127.0.0.1:9"
BEARER = {"provider": "idp", "audience": "urn:gateway:api"}

CASES: list[tuple[str, dict[str, Any], str]] = [
    ("BearerTokenFilter", {"provider": "idp"}, "$.heap[0].config.audience"),
    ("BearerTokenFilter", {**BEARER, "provider": "nope"}, "$.heap[0].config.provider"),
    ("BearerTokenFilter", {"audience": "urn:gateway:api"}, "$.heap[0].config.provider"),
    ("BearerTokenFilter", {**BEARER, "realm": 'a"b'}, "$.heap[0].config.realm"),
    ("BearerTokenFilter", {**BEARER, "cacheTtl": "soon"}, "$.heap[0].config.cacheTtl"),
    ("BearerTokenFilter", {**BEARER, "introspection": "sometimes"}, "$.heap[0].config.introspection"),
    ("BearerTokenFilter", {**BEARER, "cacheSize": -1}, "$.heap[0].config.cacheSize"),
    ("BearerTokenFilter", {**BEARER, "allowMissingTokenType": "sometimes"}, "$.heap[0].config.allowMissingTokenType"),
    (
        "BearerTokenFilter",
        {**BEARER, "identityHeaders": {"Authorization": "${identity.sub}"}},
        "$.heap[0].config.identityHeaders.Authorization",
    ),
    ("DeviceFlowFilter", {"provider": "nope"}, "$.heap[0].config.provider"),
    ("DeviceFlowFilter", {"provider": "idp", "realm": "a\\b"}, "$.heap[0].config.realm"),
    ("DeviceFlowFilter", {"provider": "idp", "scopes": "openid"}, "$.heap[0].config.scopes"),
]


@pytest.mark.parametrize(("kind", "config", "path"), CASES)
def test_bad_filter_config_is_reported_at_its_path(
    tmp_path: Path, kind: str, config: dict[str, Any], path: str
) -> None:
    settings = Settings.model_validate({"heap": [provider("idp", UPSTREAM)], "state": str(tmp_path)})
    services = create_services(settings)
    route = auth_route("r", "/r", UPSTREAM, (kind, config))
    result = load_route(tmp_path / "r.json", json.dumps(route), services, build_global_heap(services))
    assert result.route is None
    assert path in [error.path for error in result.errors], [str(e) for e in result.errors]


def test_audience_defaults_to_the_providers_resource(tmp_path: Path) -> None:
    heap = [provider("idp", UPSTREAM, resource="urn:gateway:api")]
    services = create_services(Settings.model_validate({"heap": heap, "state": str(tmp_path)}))
    route = auth_route("r", "/r", UPSTREAM, ("BearerTokenFilter", {"provider": "idp"}))
    result = load_route(tmp_path / "r.json", json.dumps(route), services, build_global_heap(services))
    assert result.errors == []
    assert result.route is not None
