"""The JSON Schema of a route file, generated from the typed config models (one source of truth)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from gateway.heap.fields import REFERENCE_PLACEHOLDER
from gateway.routing.model import RouteFile

_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_REFERENCE = {"$ref": "#/$defs/Reference"}
_IGNORED_PATTERNS: dict[str, Any] = {"^_": {}, "^comments?$": {}}


def _type_schema(cls: Any, defs: dict[str, Any]) -> dict[str, Any]:
    schema = cls.Config.model_json_schema(ref_template="#/$defs/{model}")
    defs.update(schema.pop("$defs", {}))
    schema["title"] = f"{cls.__name__} config"
    defs[f"{cls.__name__}Config"] = schema
    return {
        "type": "object",
        "title": cls.__name__,
        "description": (cls.__doc__ or "").strip(),
        "required": ["type"],
        "properties": {
            "name": {"type": "string", "description": "Name other objects use to refer to this one."},
            "type": {"const": cls.__name__, "description": "The object's type."},
            "config": {"$ref": f"#/$defs/{cls.__name__}Config"},
            "capture": {"$ref": "#/$defs/Capture"},
            "timer": {"type": ["boolean", "string"], "description": "Time each call (statistics and Prometheus)."},
            "comment": {"description": "Notes for humans, any value; ignored."},
        },
        "additionalProperties": False,
    }


def _rewrite(node: Any, fix: Callable[[dict[str, Any]], Any]) -> Any:
    """`node` with `fix` applied to every object in it, innermost first."""
    if isinstance(node, list):
        return [_rewrite(value, fix) for value in node]
    if not isinstance(node, dict):
        return node
    return fix({key: _rewrite(value, fix) for key, value in node.items()})


def _link_reference(node: dict[str, Any]) -> dict[str, Any]:
    """Point a reference field at the shared Reference definition."""
    if not REFERENCE_PLACEHOLDER.keys() & node.keys():
        return node
    return {**_REFERENCE, **{key: value for key, value in node.items() if key not in REFERENCE_PLACEHOLDER}}


def route_schema(types: Iterable[Any]) -> dict[str, Any]:
    """A draft 2020-12 schema for route files whose heaps hold `types`, with descriptions for editors."""
    root = RouteFile.model_json_schema(ref_template="#/$defs/{model}")
    defs: dict[str, Any] = root.pop("$defs", {})
    defs["HeapObject"] = {"oneOf": [_type_schema(cls, defs) for cls in types]}
    defs["Reference"] = {
        "description": "A heap object's name, or an inline {type, config} object.",
        "oneOf": [{"type": "string"}, {"$ref": "#/$defs/HeapObject"}],
    }
    defs["RouteCapture"] = root["properties"]["capture"]
    defs["Capture"] = {
        "description": "Capture points, optionally with a named CaptureDecorator.",
        "anyOf": [
            {"$ref": "#/$defs/RouteCapture"},
            {
                "type": "object",
                "properties": {
                    "decorator": {"type": "string", "description": "Name of a CaptureDecorator heap object."},
                    "points": {"$ref": "#/$defs/RouteCapture"},
                },
                "additionalProperties": False,
            },
        ],
    }
    properties = root["properties"]
    properties["heap"] = {
        "type": "array",
        "description": properties["heap"].get("description", ""),
        "items": {"allOf": [{"$ref": "#/$defs/HeapObject"}, {"required": ["name"]}]},
    }
    properties["handler"] = {**_REFERENCE, "description": properties["handler"].get("description", "")}
    schema: dict[str, Any] = {"$schema": _DIALECT, "$id": "https://schemas.gateway.dev/route.json", **root}
    linked: dict[str, Any] = {**schema, "$defs": defs}
    for fix in (_link_reference, _allow_ignored, _allow_expression):
        linked = _rewrite(linked, fix)
    return linked


_EXPRESSION = {"type": "string", "pattern": "\\$\\{", "description": "An expression of env and system, read at load."}


def _allow_expression(node: dict[str, Any]) -> dict[str, Any]:
    """Let a boolean or a number also be a `${...}` expression, as the loader accepts (heap/scalars.py)."""
    if node.get("type") in ("boolean", "integer", "number"):
        described = {"description": node["description"]} if "description" in node else {}
        return {"anyOf": [node, _EXPRESSION], **described}
    return node


def _allow_ignored(node: dict[str, Any]) -> dict[str, Any]:
    """Let a closed object also take the keys OpenIG ignores (`comment`, `comments`, `_...`)."""
    if node.get("additionalProperties") is False and "properties" in node:
        node["patternProperties"] = {**_IGNORED_PATTERNS, **node.get("patternProperties", {})}
    return node
