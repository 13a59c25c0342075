"""Route files as OpenIG's parser takes them: `//` and `/* */` comments, single-quoted strings, raw
line breaks inside strings (long expressions are written that way), trailing commas.

A file that is plain JSON never comes here (the standard parser reads it first). The rest is read by
pyjson5 (a compiled JSON5 parser) after raw line breaks inside strings are turned into escapes
followed by a JSON5 line continuation, so that every line and column stays where it was in the file
and error positions point at the file as written."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pyjson5

from gateway.errors import ConfigError
from gateway.validation import json_path

# Deeper than any route needs, shallow enough to stay far from the interpreter's recursion limit.
MAX_DEPTH = 200
# Comments, then strings in either quote (a `//` inside a string is text, a quote inside a comment too).
_COMMENT_OR_STRING = r"""//[^\n]*|/\*.*?\*/|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'"""
_STRING_OR_COMMENT = re.compile(_COMMENT_OR_STRING, re.S)
_CONTROL = re.compile(r"\r\n|[\x00-\x08\x0a-\x1f]")
_TOKEN = re.compile(rf"""\s+|{_COMMENT_OR_STRING}|[{{}}\[\]:,]|[^\s{{}}\[\]:,"'/]+""", re.S)
_NEAR = re.compile(r" near (\d+)")
_QUOTED_BYTES = re.compile(r"b'([^']*)'")
_UNCLOSED = re.compile(r"Unclosed (\w+) starting")
_CODEPOINT = re.compile(r"U\+([0-9a-fA-F]{4,6})")


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    if char in ("\r\n", "\n", "\r"):
        return "\\n\\\n"  # the escape, then a line continuation: the value gets "\n", the file keeps its lines
    return f"\\u{ord(char):04x}"


def prepared(text: str) -> str:
    """`text` with raw control characters inside strings escaped, lines and columns kept."""

    def string(match: re.Match[str]) -> str:
        token = match.group()
        return token if token[0] == "/" else _CONTROL.sub(_escaped, token)

    return _STRING_OR_COMMENT.sub(string, text)


def parse_json5(text: str, file: str) -> tuple[Any, list[ConfigError]]:
    """The document, or an error naming the line and column; repeated keys are reported by JSON path."""
    source = prepared(text)
    try:
        data = pyjson5.decode(source, maxdepth=MAX_DEPTH)
    except pyjson5.Json5Exception as exc:
        return None, [_error(exc, source, file)]
    # Each key is followed by one ':' outside strings and comments: when the counts agree no key was
    # given twice, and the slower search for where it was is skipped.
    if _STRING_OR_COMMENT.sub("", source).count(":") == _keys(data):
        return data, []
    return data, [
        ConfigError(json_path("$", path), f"property '{path[-1]}' is given twice", file)
        for path in repeated_keys(source)
    ]


def _keys(node: Any) -> int:
    if isinstance(node, dict):
        return len(node) + sum(_keys(value) for value in node.values())
    if isinstance(node, list):
        return sum(_keys(value) for value in node)
    return 0


def _error(exc: Exception, source: str, file: str) -> ConfigError:
    message = str(exc.args[0]) if exc.args else str(exc)
    near = _NEAR.search(message)
    index = max(int(near.group(1)) - 1, 0) if near else len(source)
    line = source.count("\n", 0, index) + 1
    column = index - source.rfind("\n", 0, index)
    message = _NEAR.sub("", message)
    message = _QUOTED_BYTES.sub(r"\1", message)
    message = _CODEPOINT.sub(lambda m: repr(chr(int(m.group(1), 16))), message)
    unclosed = _UNCLOSED.fullmatch(message)
    if unclosed:
        message = f"the file ends before the {unclosed[1]} opened at line {line} column {column} is closed"
        return ConfigError("$", f"invalid JSON: {message}", file)
    return ConfigError("$", f"invalid JSON at line {line} column {column}: {message}", file)


@dataclass
class _Frame:
    is_object: bool
    path: tuple[int | str, ...]
    keys: set[str] = field(default_factory=set)
    key: str = ""
    index: int = 0


def repeated_keys(source: str) -> list[tuple[int | str, ...]]:
    """The path of every key given twice in one object of a document that parsed (pyjson5 keeps the last)."""
    found: list[tuple[int | str, ...]] = []
    stack: list[_Frame] = []
    last = ""
    for match in _TOKEN.finditer(source):
        part = match.group()
        if part[0].isspace() or part.startswith(("//", "/*")):
            continue
        if part in ("{", "["):
            stack.append(_Frame(part == "{", _child(stack)))
        elif part in ("}", "]"):
            stack.pop()
        elif part == ":":
            frame = stack[-1]
            frame.key = pyjson5.decode(last) if last[0] in "\"'" else last
            if frame.key in frame.keys:
                found.append((*frame.path, frame.key))
            frame.keys.add(frame.key)
        elif part == "," and stack and not stack[-1].is_object:
            stack[-1].index += 1
        else:
            last = part
    return found


def _child(stack: list[_Frame]) -> tuple[int | str, ...]:
    if not stack:
        return ()
    frame = stack[-1]
    return (*frame.path, frame.key if frame.is_object else frame.index)
