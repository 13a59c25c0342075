"""OidcLoginFilter configuration errors, each reported with its JSON path when the route loads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gateway.app import create_services
from gateway.lint import check_paths
from gateway.routing.loader import LoadResult, load_route
from gateway.runtime import make_runtime
from gateway.settings import Settings

PROVIDER = {"issuer": "https://idp.example", "clientId": "gw", "clientSecret": "s"}


def _load(tmp_path: Path, login: dict[str, Any], *, global_heap: bool = True, local: Any = ()) -> LoadResult:
    heap = [{"name": "corp", "type": "OidcProvider", "config": PROVIDER}] if global_heap else []
    services = create_services(Settings.model_validate({"heap": heap, "state": str(tmp_path)}))
    runtime = make_runtime(services)
    route = {
        "heap": [*local, {"name": "login", "type": "OidcLoginFilter", "config": login}],
        "handler": {"type": "Chain", "config": {"filters": ["login"], "handler": "ClientHandler"}},
        "baseURI": "http://127.0.0.1:9",
    }
    return load_route(tmp_path / "r.json", json.dumps(route), services, runtime.heap, display="r.json")


def _messages(result: LoadResult) -> dict[str, str]:
    return {e.path: e.message for e in result.errors}


def test_a_valid_filter_loads_and_registers_its_identity_headers(tmp_path: Path) -> None:
    result = _load(
        tmp_path, {"providers": ["corp"], "identityHeaders": {"X_User": "${identity.sub}"}, "passIdToken": "X-Id"}
    )
    assert result.errors == []
    assert result.route is not None
    assert result.route.injected_headers == {"x-user", "x-id"}


P = "$.heap[0].config."
CASES = [
    ({"providers": []}, P + "providers"),
    ({"providers": ["nobody"]}, P + "providers[0]"),
    ({"providers": ["corp"], "identityHeaders": {"Authorization": "x"}}, P + "identityHeaders.Authorization"),
    ({"providers": ["corp"], "identityHeaders": {"X User": "${identity.sub}"}}, P + "identityHeaders.X User"),
    ({"providers": ["corp"], "identityHeaders": {"X-User": "${identity.}"}}, P + "identityHeaders.X-User"),
    ({"providers": ["corp"], "passIdToken": "Host"}, P + "passIdToken"),
    ({"providers": ["corp"], "refreshBefore": "soon"}, P + "refreshBefore"),
    ({"providers": ["corp"], "unknown": 1}, P + "unknown"),
    ({"providers": ["corp"], "cacheControl": "no-store\r\nX-Evil: 1"}, P + "cacheControl"),
]


@pytest.mark.parametrize(("config", "path"), CASES, ids=[c[1].rsplit(".", 1)[-1] for c in CASES])
def test_a_bad_filter_config_names_the_json_path(tmp_path: Path, config: dict[str, Any], path: str) -> None:
    result = _load(tmp_path, config)
    assert result.route is None
    assert path in _messages(result), _messages(result)


def test_a_provider_from_the_routes_own_heap_is_refused(tmp_path: Path) -> None:
    local = [{"name": "mine", "type": "OidcProvider", "config": PROVIDER}]
    result = _load(tmp_path, {"providers": ["mine"]}, local=local)
    assert "global heap" in _messages(result)["$.heap[1].config.providers[0]"]


def test_without_global_providers_the_filter_cannot_load(tmp_path: Path) -> None:
    result = _load(tmp_path, {"providers": ["corp"]}, global_heap=False)
    assert "$.heap[0].config.providers[0]" in _messages(result)


def test_gateway_check_accepts_a_login_route(tmp_path: Path) -> None:
    config = tmp_path / "gateway.yaml"
    heap = [{"name": "corp", "type": "OidcProvider", "config": PROVIDER}]
    config.write_text(json.dumps({"heap": heap, "state": str(tmp_path / "state")}))
    route = tmp_path / "10-app.json"
    chain = {"filters": [{"type": "OidcLoginFilter", "config": {"providers": ["corp"]}}], "handler": "ClientHandler"}
    route.write_text(json.dumps({"baseURI": "http://127.0.0.1:9", "handler": {"type": "Chain", "config": chain}}))
    assert check_paths([route], config) == []
