"""Keys OpenIG ignores in configuration objects: `comment` and `comments` (notes for humans) and any
key starting with `_` (OpenIG's way to switch a setting off). They are dropped where the object has
named properties; the keys of free-form maps (header names, claim names) are data and stay."""

from __future__ import annotations

import typing
from types import UnionType
from typing import Any

from pydantic import BaseModel

IGNORED = frozenset({"comment", "comments"})


def is_ignored(key: object) -> bool:
    """Whether OpenIG would ignore this key of a configuration object."""
    return isinstance(key, str) and (key in IGNORED or key.startswith("_"))


def without_ignored(data: Any, model: type[BaseModel]) -> Any:
    """`data` (validated as `model` next) less its ignored keys, at every level of nested models."""
    if not isinstance(data, dict):
        return data
    out: dict[Any, Any] = {}
    for key, value in data.items():
        field = model.model_fields.get(key) if isinstance(key, str) else None
        if field is not None:
            out[key] = _inside(value, field.annotation)
        elif not is_ignored(key):
            out[key] = value
    return out


def _inside(value: Any, annotation: Any) -> Any:
    """A field's value with ignored keys dropped from the models it holds (directly, in lists or map values)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return without_ignored(value, annotation)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, UnionType):
        model = next((a for a in args if isinstance(a, type) and issubclass(a, BaseModel)), None)
        return without_ignored(value, model) if model is not None and isinstance(value, dict) else value
    if origin is list and args and isinstance(value, list):
        return [_inside(item, args[0]) for item in value]
    if origin is dict and len(args) == 2 and isinstance(value, dict):
        return {key: _inside(item, args[1]) for key, item in value.items()}
    return value
