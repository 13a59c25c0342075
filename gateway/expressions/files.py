"""OpenIG's file functions (`read`, `readProperties`, `pathToUrl`, `fileToUrl`), evaluated at load time.

They read only under the configuration folder: a route cannot make the gateway read an arbitrary file,
and a request never touches the disk. Their arguments must therefore be known when the route loads.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

FILE_FUNCTIONS = frozenset({"read", "readProperties", "pathToUrl", "fileToUrl"})
# Bigger files are not route settings; refusing them keeps a typo from loading a disk image.
MAX_FILE = 1 << 20
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)
_SEPARATOR = re.compile(r"(?<!\\)[=:\s]")


class FileFunctionError(ValueError):
    """A file function that cannot run: a path outside the configuration folder, a missing file."""


def call_file_function(name: str, args: list[Any], base: Path | None) -> Any:
    """The value of `name(args)` with `args` already known; relative paths are under `base`."""
    if len(args) != 1 or not isinstance(args[0], str):
        raise FileFunctionError(f"{name}() takes one file name")
    path = _inside(args[0], base, name)
    if name in ("pathToUrl", "fileToUrl"):
        # Java's File.toURI(): "file:" and the absolute path, '/' appended for a folder.
        return "file:" + str(path) + ("/" if path.is_dir() else "")
    text = _text(path)
    return text if name == "read" else parse_properties(text)


def _inside(name: str, base: Path | None, function: str) -> Path:
    if base is None:
        raise FileFunctionError(f"{function}() needs a route file in a configuration folder")
    path = (base / name).resolve()
    if not path.is_relative_to(base):
        raise FileFunctionError(f"{function}({name!r}) is outside the configuration folder {str(base)!r}")
    return path


def _text(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_FILE:
            raise FileFunctionError(f"{str(path)!r} is larger than {MAX_FILE} bytes")
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FileFunctionError(f"cannot read {str(path)!r}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise FileFunctionError(f"{str(path)!r} is not UTF-8 text") from None


def parse_properties(text: str) -> dict[str, str]:
    """A Java .properties file: `#`/`!` comments, `=`, `:` or space separators, `\\` continuations and escapes."""
    result: dict[str, str] = {}
    for line in _logical_lines(text):
        found = _SEPARATOR.search(line)
        key, value = (line, "") if found is None else (line[: found.start()], line[found.end() :])
        value = value.lstrip()
        if found is not None and found.group() == " " and value[:1] in "=:" and value:
            value = value[1:].lstrip()
        result[_unescape(key)] = _unescape(value)
    return result


def _logical_lines(text: str) -> list[str]:
    lines, pending = [], ""
    for raw in text.splitlines():
        line = raw.lstrip()
        if not pending and (not line or line[0] in "#!"):
            continue
        trailing = len(line) - len(line.rstrip("\\"))
        if trailing % 2 == 1:  # an odd number of backslashes continues the line
            pending += line[:-1]
            continue
        lines.append(pending + line)
        pending = ""
    if pending:
        lines.append(pending)
    return lines


_ONE = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


def _unescape_one(match: re.Match[str]) -> str:
    escaped = match.group(1)
    if escaped in _ONE:
        return _ONE[escaped]
    if len(escaped) == 5 and escaped[0] == "u":
        return chr(int(escaped[1:], 16))
    return escaped


def _unescape(text: str) -> str:
    return _ESCAPE.sub(_unescape_one, text)
