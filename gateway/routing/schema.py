"""The JSON Schema of a route file, generated from the typed config models (one source of truth)."""

from __future__ import annotations

from collections.abc import Iterable
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


def _link_references(node: Any) -> Any:
    """Point every reference field at the shared Reference definition."""
    if isinstance(node, dict):
        linked = {key: _link_references(value) for key, value in node.items() if key not in REFERENCE_PLACEHOLDER}
        return {**_REFERENCE, **linked} if REFERENCE_PLACEHOLDER.keys() & node.keys() else linked
    if isinstance(node, list):
        return [_link_references(value) for value in node]
    return node


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
    linked: dict[str, Any] = _allow_expressions(_allow_ignored(_link_references({**schema, "$defs": defs})))
    return linked


_EXPRESSION = {"type": "string", "pattern": "\\$\\{", "description": "An expression of env and system, read at load."}


def _allow_expressions(node: Any) -> Any:
    """Let every boolean and number also be a `${...}` expression, as the loader accepts (heap/scalars.py)."""
    if isinstance(node, list):
        return [_allow_expressions(value) for value in node]
    if not isinstance(node, dict):
        return node
    out = {key: _allow_expressions(value) for key, value in node.items()}
    if out.get("type") in ("boolean", "integer", "number"):
        described = {"description": out["description"]} if "description" in out else {}
        return {"anyOf": [out, _EXPRESSION], **described}
    return out


def _allow_ignored(node: Any) -> Any:
    """Let every closed object also take the keys OpenIG ignores (`comment`, `comments`, `_...`)."""
    if isinstance(node, list):
        return [_allow_ignored(value) for value in node]
    if not isinstance(node, dict):
        return node
    out = {key: _allow_ignored(value) for key, value in node.items()}
    if out.get("additionalProperties") is False and "properties" in out:
        out["patternProperties"] = {**_IGNORED_PATTERNS, **out.get("patternProperties", {})}
    return out
