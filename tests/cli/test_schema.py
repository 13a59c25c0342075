"""`gateway schema`: a draft 2020-12 JSON Schema from the config models, that the example routes pass."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from gateway.routing.schema import route_schema
from gateway.types import TYPES
from tests.cli.run import ROOT, gateway


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(gateway("schema").stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_schema_declares_draft_2020_12() -> None:
    assert route_schema(TYPES)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("path", sorted((ROOT / "routes").glob("*.json")), ids=lambda p: p.name)
def test_every_example_route_validates(validator: jsonschema.Draft202012Validator, path: Path) -> None:
    assert [e.message for e in validator.iter_errors(json.loads(path.read_text()))] == []


BROKEN: list[dict[str, Any]] = [
    {"name": "no handler"},
    {"handler": "ClientHandler", "condtion": "${true}"},
    {"handler": {"type": "StaticResponseHandlr"}},
    {"handler": {"type": "StaticResponseHandler", "config": {"stauts": 200}}},
    {"handler": {"type": "StaticResponseHandler", "config": {"status": "OK"}}},
    {"handler": {"type": "Chain", "config": {"filters": [{"type": "HeaderFiltr"}], "handler": "ClientHandler"}}},
    {"handler": {"type": "DispatchHandler", "config": {"bindings": [{"hndler": "x"}]}}},
    {"heap": [{"type": "ClientHandler"}], "handler": "ClientHandler"},
    {"handler": 5},
]


@pytest.mark.parametrize("route", BROKEN, ids=[json.dumps(r)[:60] for r in BROKEN])
def test_a_broken_route_does_not_validate(validator: jsonschema.Draft202012Validator, route: dict[str, Any]) -> None:
    assert not validator.is_valid(route)


def test_every_type_and_config_property_is_described() -> None:
    defs = route_schema(TYPES)["$defs"]
    for cls in TYPES:
        config = defs[f"{cls.__name__}Config"]
        undescribed = [name for name, prop in config.get("properties", {}).items() if not prop.get("description")]
        assert undescribed == [], f"{cls.__name__}: {undescribed}"
    assert all(o["description"] for o in defs["HeapObject"]["oneOf"])


def test_nested_references_point_at_heap_objects() -> None:
    chain = route_schema(TYPES)["$defs"]["ChainConfig"]["properties"]
    assert chain["handler"]["$ref"] == "#/$defs/Reference"
    assert chain["filters"]["items"] == {"$ref": "#/$defs/Reference"}


def test_keys_openig_ignores_validate_and_typos_still_do_not(validator: jsonschema.Draft202012Validator) -> None:
    noted = {
        "comments": ["any value"], "comment": {"a": 1}, "_condition": "${false}",
        "handler": {"type": "StaticResponseHandler", "comment": ["x"], "config": {"_status": 1, "comments": 2}},
    }  # fmt: skip
    assert [e.message for e in validator.iter_errors(noted)] == []
    assert not validator.is_valid({**noted, "condtion": "${true}"})


def test_numbers_and_booleans_may_be_expressions_but_not_other_text(validator: jsonschema.Draft202012Validator) -> None:
    static = {"type": "StaticResponseHandler", "config": {"status": "${integer(env['STATUS'])}"}}
    assert validator.is_valid({"monitor": "${true}", "handler": static})
    assert not validator.is_valid({"monitor": "yes", "handler": static})
