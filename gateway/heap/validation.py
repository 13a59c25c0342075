"""Turn pydantic validation errors into located, readable config errors."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ValidationError


def json_path(base: str, loc: tuple[int | str, ...]) -> str:
    """`$.heap[1]` + ("config", "rate") → `$.heap[1].config.rate`."""
    out = base
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _message(error: Any, model: type[BaseModel]) -> str:
    kind, loc = error["type"], error["loc"]
    if kind == "extra_forbidden":
        known = list(model.model_fields) if len(loc) == 1 else []
        near = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f"; did you mean '{near[0]}'?" if near else ""
        return f"unknown property '{loc[-1]}'{hint}"
    if kind == "missing":
        return "required property is missing"
    message = str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind.endswith(("_type", "_parsing")) or kind.startswith("literal"):
        return f"{message} (got {json.dumps(error.get('input'), default=str)[:80]})"
    return message


def validation_errors(exc: ValidationError, model: type[BaseModel], base: str) -> Iterator[tuple[str, str]]:
    """(JSON path, message) for each problem pydantic found."""
    for error in exc.errors():
        loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p and p.endswith("]")))
        yield json_path(base, loc), _message(error, model)
