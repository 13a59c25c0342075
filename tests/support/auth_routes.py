"""Route files and global heap entries for the bearer and device flow tests."""

from __future__ import annotations

from typing import Any

from idp.driver import WEB_CLIENT_ID, WEB_CLIENT_SECRET


def provider(name: str, issuer: str, **config: Any) -> dict[str, Any]:
    """A global heap OidcProvider for the confidential web client."""
    body = {"issuer": issuer, "clientId": WEB_CLIENT_ID, "clientSecret": WEB_CLIENT_SECRET, **config}
    return {"name": name, "type": "OidcProvider", "config": body}


def auth_route(name: str, prefix: str, upstream: str, *filters: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """A route for paths under `prefix`: the filters (type, config) in order, then the upstream."""
    heap = [{"name": f"f{i}", "type": kind, "config": config} for i, (kind, config) in enumerate(filters)]
    return {
        "name": name,
        "condition": f"${{startsWith(request.uri.path, '{prefix}')}}",
        "baseURI": upstream,
        "heap": heap,
        "handler": {
            "type": "Chain",
            "config": {"filters": [entry["name"] for entry in heap], "handler": "ClientHandler"},
        },
    }


def header(record: dict[str, Any], name: str) -> list[str]:
    """Every value of a header in an echo record, by case-insensitive name."""
    return [value for key, value in record["headers"] if key.lower() == name.lower()]
