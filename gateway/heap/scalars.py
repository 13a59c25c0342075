"""`${...}` in settings that are not text (booleans, numbers, durations, status codes), as OpenIG allows:
evaluated once, when the route loads, from `env` and `system` only; a setting read once cannot depend on
the request. Done on the raw JSON, guided by the config model, before the model validates it, so a value
of the wrong type is reported by validation at its JSON path."""

from __future__ import annotations

import os
import typing
from types import UnionType
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel

from gateway.expressions import ExpressionError, compile_expression

if TYPE_CHECKING:
    from gateway.heap.context import BuildContext

# What a setting read once may use: nothing about a request exists when a route loads.
LOAD_TIME_ROOTS = frozenset({"env", "system"})
_SCALARS = (bool, int, float)


def evaluate_scalars(data: Any, model: type[BaseModel], path: str, ctx: BuildContext, failed: set[str]) -> Any:
    """`data` with each expression in a non-text scalar field of `model` replaced by its value; the paths
    of those that failed (already reported) are added to `failed` and their keys dropped."""
    if not isinstance(data, dict) or not _has_template(data):
        return data
    out: dict[Any, Any] = {}
    for key, value in data.items():
        field = model.model_fields.get(key) if isinstance(key, str) else None
        where = f"{path}.{key}"
        value = _inside(value, field.annotation, where, ctx, failed) if field is not None else value
        if where not in failed:
            out[key] = value
    return out


def _inside(value: Any, annotation: Any, path: str, ctx: BuildContext, failed: set[str]) -> Any:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Annotated:
        return _inside(value, args[0], path, ctx, failed)
    if isinstance(value, str):
        return load_time_value(value, path, ctx, failed) if _is_scalar(annotation) and "${" in value else value
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return evaluate_scalars(value, annotation, path, ctx, failed)
    if origin in (typing.Union, UnionType):
        model = next((a for a in args if isinstance(a, type) and issubclass(a, BaseModel)), None)
        return evaluate_scalars(value, model, path, ctx, failed) if model is not None else value
    if origin is list and args and isinstance(value, list):
        return [_inside(item, args[0], f"{path}[{i}]", ctx, failed) for i, item in enumerate(value)]
    if origin is dict and len(args) == 2 and isinstance(value, dict):
        return {k: _inside(item, args[1], f"{path}.{k}", ctx, failed) for k, item in value.items()}
    return value


def _is_scalar(annotation: Any) -> bool:
    """A bool, number or duration field (`str | float`: text or seconds), never an expression of its own;
    a text field may hold a per-request expression, which its type compiles itself."""
    if typing.get_origin(annotation) is Annotated:
        return _is_scalar(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, UnionType):
        return any(_is_scalar(member) for member in typing.get_args(annotation))
    return annotation in _SCALARS


def load_time_value(text: str, path: str, ctx: BuildContext, failed: set[str]) -> Any:
    """The value of `text` now; an error (and `path` in `failed`) if it needs a request or gives null."""
    options = ctx.expression_options()
    try:
        compiled = compile_expression(text, roots=LOAD_TIME_ROOTS, options=options)
    except ExpressionError as exc:
        failed.add(path)
        try:
            compile_expression(text, options=options)
        except ExpressionError:
            ctx.error(path, f"invalid expression {text!r}: {exc}")
            return None
        ctx.error(path, f"{text!r} depends on the request, but this setting is read once, when the route loads: "
                  "only env and system may be used here")  # fmt: skip
        return None
    value = compiled({"env": os.environ})
    if value is None:
        failed.add(path)
        ctx.error(path, f"{text!r} evaluates to null (an unset environment variable?)")
    return value


def _has_template(data: Any) -> bool:
    """Whether any string in `data` holds `${` (most configs have none: one walk, no compiling)."""
    if isinstance(data, str):
        return "${" in data
    if isinstance(data, dict):
        return any(_has_template(value) for value in data.values())
    if isinstance(data, list):
        return any(_has_template(item) for item in data)
    return False
