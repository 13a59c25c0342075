"""Properties of the route loader over generated files: any text, JSON or JSON5, any shape, gives a route
or named load errors (file and JSON path), never an exception."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.app import create_services
from gateway.errors import ConfigError
from gateway.routing.loader import LoadResult, load_route
from gateway.runtime import build_global_heap
from gateway.settings import Settings
from gateway.types import TYPES

STATE = Path(tempfile.mkdtemp(prefix="loader-properties-"))
SERVICES = create_services(Settings.model_validate({"state": str(STATE)}))
HEAP = build_global_heap(SERVICES)
FILE = "10-generated.json"

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
TYPE_NAMES = st.sampled_from([t.__name__ for t in TYPES] + ["Nope", ""])
KEYS = st.sampled_from(
    ["name", "type", "config", "condition", "handler", "heap", "baseURI", "filters", "capture", "monitor",
     "rate", "numberOfRequests", "duration", "provider", "status", "entity", "headers", "bindings", "_x"]
)  # fmt: skip
CONDITIONS = st.sampled_from(["${true}", "${request.uri.path == '/a'}", "${nope}", "${", "x", ""])


def _objects(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    typed = st.fixed_dictionaries({"type": TYPE_NAMES}, optional={"name": st.text(max_size=6), "config": inner})
    return st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=4) | typed


VALUES = st.recursive(SCALARS | CONDITIONS | TYPE_NAMES, _objects, max_leaves=14)
ROUTES = st.fixed_dictionaries({}, optional={k: VALUES for k in ("name", "condition", "handler", "heap", "baseURI")})
JSON5_TOKENS = st.sampled_from(
    ["{", "}", "[", "]", ",", ":", "//c\n", "/*", "*/", "'a'", '"b"', "handler", "1",
     "0x1F", "Infinity", "NaN", "+1", ".5", "null", "true", "\\", "\n", " ", "$"]
)  # fmt: skip


def _load(text: str) -> LoadResult:
    result = load_route(STATE / FILE, text, SERVICES, HEAP, display=FILE)
    if result.route is None:
        assert result.errors, "a route that did not load names why"
    for error in result.errors:
        assert isinstance(error, ConfigError) and error.file == FILE and error.path.startswith("$"), error
    return result


@settings(max_examples=150, deadline=None)
@given(ROUTES)
def test_any_json_route_loads_or_names_its_errors(route: dict[str, Any]) -> None:
    _load(json.dumps(route))


@settings(max_examples=150, deadline=None)
@given(st.lists(JSON5_TOKENS, max_size=30).map("".join) | st.text(max_size=60))
def test_any_text_loads_or_names_its_errors(text: str) -> None:
    _load(text)
