"""Field types shared by heap configs, each with one clear error and its JSON Schema."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import PlainValidator, WithJsonSchema

# Replaced by `{"$ref": "#/$defs/Reference"}` when the route schema is assembled (heap/schema.py).
REFERENCE_PLACEHOLDER = {"x-heap-reference": True}


def _reference(value: Any) -> str | dict[str, Any]:
    if isinstance(value, str | dict):
        return value
    raise ValueError("expected a heap object name or an inline {type, config} object")


def _values(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    raise ValueError("expected a string or a list of strings")


Ref = Annotated[str | dict[str, Any], PlainValidator(_reference), WithJsonSchema(REFERENCE_PLACEHOLDER)]
"""A heap object's name, or an inline `{type, config}` object."""

Values = Annotated[
    list[str],
    PlainValidator(_values),
    WithJsonSchema({"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}),
]
"""One string or a list of strings (header values); always a list once validated."""
