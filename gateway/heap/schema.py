"""The JSON Schema of a route file, generated from the typed config models (one source of truth)."""

from __future__ import annotations

from typing import Any

from gateway.heap.registry import TYPES
from gateway.routing.model import RouteFile

_DIALECT = "https://json-schema.org/draft/2020-12/schema"


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
            "type": {"const": cls.__name__},
            "config": {"$ref": f"#/$defs/{cls.__name__}Config"},
            "capture": {"$ref": "#/$defs/Capture"},
            "comment": {"type": "string"},
        },
        "additionalProperties": False,
    }


def route_schema() -> dict[str, Any]:
    """A draft 2020-12 schema for route files, with descriptions for editors and the linter."""
    root = RouteFile.model_json_schema(ref_template="#/$defs/{model}")
    defs: dict[str, Any] = root.pop("$defs", {})
    objects = [_type_schema(cls, defs) for cls in TYPES]
    defs["HeapObject"] = {"oneOf": objects}
    defs["Reference"] = {
        "description": "A heap object's name, or an inline {type, config} object.",
        "oneOf": [{"type": "string"}, {"$ref": "#/$defs/HeapObject"}],
    }
    defs["Capture"] = root["properties"]["capture"]
    root["properties"]["heap"] = {"type": "array", "items": {"$ref": "#/$defs/HeapObject"},
                                  "description": root["properties"]["heap"].get("description", "")}
    root["properties"]["handler"] = {"$ref": "#/$defs/Reference", "description": "The route's handler."}
    return {"$schema": _DIALECT, "$id": "https://schemas.gateway.dev/route.json", **root, "$defs": defs}
