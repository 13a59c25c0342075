"""Read a route file, reporting bad syntax by line and column and repeated keys by JSON path."""

from __future__ import annotations

import json
from typing import Any

from gateway.errors import ConfigError
from gateway.routing.json5text import parse_json5
from gateway.validation import json_path


class _Object(dict[str, Any]):
    """A JSON object that remembers the keys it saw twice (json keeps only the last value)."""

    repeated: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        repeated = []
        for key, _ in pairs:
            if key in seen:
                repeated.append(key)
            seen.add(key)
        obj.repeated = tuple(repeated)
    return obj


def _repeated(node: Any, path: tuple[int | str, ...], file: str) -> list[ConfigError]:
    errors: list[ConfigError] = []
    if isinstance(node, _Object):
        for key in node.repeated:
            errors.append(ConfigError(json_path("$", (*path, key)), f"property '{key}' is given twice", file))
        for key, value in node.items():
            errors.extend(_repeated(value, (*path, key), file))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            errors.extend(_repeated(value, (*path, index), file))
    return errors


def parse_json(text: str, file: str) -> tuple[Any, list[ConfigError]]:
    """The document, or errors naming the line and column of bad syntax or the path of a repeated key.

    Plain JSON (raw line breaks inside strings allowed) is read by the standard parser; anything
    else as OpenIG reads it (comments, single quotes: see `json5text`)."""
    try:
        data = json.loads(text, object_pairs_hook=_object, strict=False)
    except json.JSONDecodeError:
        return parse_json5(text, file)
    except RecursionError:
        return None, [ConfigError("$", "invalid JSON: arrays or objects nested too deeply", file)]
    return data, _repeated(data, (), file)
