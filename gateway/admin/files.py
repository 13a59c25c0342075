"""Route files as the admin API writes them: safe names, one stable format, atomic writes.

A route written here is byte-identical to the one the studio exports, and formatted the same way
whoever wrote it last (known keys first in a fixed order, 2-space indent, trailing newline), so that
git diffs of the routes folder stay small."""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import time
from pathlib import Path
from typing import Any

# One plain file name in the routes folder: no separators, no dot-segments, no hidden files.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*\.json$")
MAX_NAME = 100
UNDEPLOYED = ".undeployed"
_TOP = (
    "name", "comment", "baseURI", "condition", "session", "auditService", "audit", "timer", "monitor", "capture",
    "heap", "handler",
)  # fmt: skip
_HEAP = ("name", "type", "comment", "capture", "config")


class BadFileName(ValueError):
    """A route file name that could write outside the routes folder, or is not a route file."""


def check_name(name: str) -> str:
    """`name` when it is a plain `*.json` file name; else BadFileName saying what is allowed."""
    if len(name) > MAX_NAME or not _NAME.match(name):
        raise BadFileName(
            f"{name!r} is not a route file name: use letters, digits, '-', '_' and '.', "
            f"ending in .json, at most {MAX_NAME} characters, no folders"
        )
    return name


def file_path(folder: Path, name: str) -> Path:
    """The file `name` inside `folder`, refusing anything that would resolve outside it."""
    path = (folder / check_name(name)).resolve()
    if path.parent != folder.resolve():
        raise BadFileName(f"{name!r} resolves outside the routes folder")
    return path


def digest(text: str) -> str:
    """The content hash compared before a deploy overwrites a file (the loader's own digest)."""
    return hashlib.sha256(text.encode()).hexdigest()


def _ordered(obj: dict[str, Any], first: tuple[str, ...]) -> dict[str, Any]:
    known = {key: obj[key] for key in first if key in obj}
    return known | {key: value for key, value in obj.items() if key not in known}


def canonical(route: dict[str, Any]) -> dict[str, Any]:
    """The route with its known keys in a fixed order; unknown keys keep their order after them."""
    out = _ordered(route, _TOP)
    if isinstance(out.get("heap"), list):
        out["heap"] = [_ordered(item, _HEAP) if isinstance(item, dict) else item for item in out["heap"]]
    return out


def render(route: dict[str, Any]) -> str:
    """The file's text: canonical key order, 2-space indent, trailing newline."""
    return json.dumps(canonical(route), indent=2, ensure_ascii=False) + "\n"


def read_text(path: Path) -> str | None:
    """The file's text, or None when it does not exist."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def write_atomically(path: Path, text: str) -> None:
    """Write a temporary hidden file beside `path`, flush it, then rename it over `path`."""
    draft = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with draft.open("w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        draft.replace(path)
    finally:
        draft.unlink(missing_ok=True)


def undeploy(path: Path) -> Path:
    """Move the file into `.undeployed/` beside it (timestamped, so earlier copies stay); returns where."""
    keep = path.parent / UNDEPLOYED
    keep.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    target = keep / f"{path.stem}.{stamp}.{secrets.token_hex(2)}.json"
    path.replace(target)
    return target
