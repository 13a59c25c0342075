"""Config models that refuse unknown keys, and their pydantic validation errors turned into located,
readable config errors."""

from __future__ import annotations

import difflib
import json
import re
import typing
from collections.abc import Iterator
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, ValidationError


class ConfigModel(BaseModel):
    """The base of every config object: an unknown key is an error, so a misspelt option is never ignored."""

    model_config = ConfigDict(extra="forbid")


class ErrorSink(Protocol):
    """Where config problems go while something compiles (`gateway.heap.context.BuildContext`)."""

    def error(self, path: str, message: str) -> None:
        """Record one problem at a JSON path."""


# Parts of a pydantic error location that name a union member or a validator, not a JSON key.
_TAG = re.compile(r"^(str|int|float|bool|none|[a-z-]+\[.*\])$")


def json_path(base: str, loc: tuple[int | str, ...]) -> str:
    """`$.heap[1]` + ("config", "rate") → `$.heap[1].config.rate`."""
    out = base
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _model_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The nested model that holds the last part of `loc`, for suggestions of its field names."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        is_model = isinstance(current, type) and issubclass(current, BaseModel)
        field = current.model_fields.get(part) if is_model else None
        if field is None:
            return None
        current = _nested_model(field.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _nested_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _nested_model(arg)
        if found is not None:
            return found
    return None


def _got(error: Any) -> str:
    return f" (got {json.dumps(error.get('input'), default=str)[:80]})"


def _message(error: Any, model: type[BaseModel]) -> str:
    kind, loc = error["type"], error["loc"]
    if kind == "extra_forbidden":
        owner = _model_at(model, loc)
        near = difflib.get_close_matches(str(loc[-1]), list(owner.model_fields) if owner else [], n=1)
        hint = f"; did you mean '{near[0]}'?" if near else ""
        return f"unknown property '{loc[-1]}'{hint}"
    if kind == "missing":
        return "required property is missing"
    if kind == "model_type":
        return "expected a JSON object" + _got(error)
    message = str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind.endswith(("_type", "_parsing")) or kind.startswith("literal"):
        return message + _got(error)
    if kind == "value_error" and json.dumps(error.get("input"), default=str) not in message:
        return message + _got(error)
    return message


def validation_errors(exc: ValidationError, model: type[BaseModel], base: str) -> Iterator[tuple[str, str]]:
    """(JSON path, message) for each problem pydantic found; a union's alternatives become one message."""
    merged: dict[str, list[str]] = {}
    for error in exc.errors():
        loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and _TAG.match(p)))
        message = _message(error, model)
        messages = merged.setdefault(json_path(base, loc), [])
        if message not in messages:
            messages.append(message)
    for path, messages in merged.items():
        yield path, _join(messages)


def _join(messages: list[str]) -> str:
    """'Input should be a valid string (got 5)' + '... a valid list (got 5)' → one sentence."""
    if len(messages) == 1:
        return messages[0]
    wanted = [m.split(" (got ")[0].removeprefix("Input should be ") for m in messages]
    got = messages[0][messages[0].find(" (got ") :] if " (got " in messages[0] else ""
    return "Input should be " + " or ".join(wanted) + got
