"""Path-confusion defence: a path with dot-segments is refused, never matched in one form and
forwarded in another (RFC 3986 §5.2.4). Encoded forms (`%2e`, `%2f`, `%5c`) count too."""

from __future__ import annotations

import re
from urllib.parse import unquote

from gateway.errors import BadRequest

# Cheap pre-check: only paths holding a dot, a percent or a backslash need a closer look.
_SUSPECT = re.compile(r"[.%\\]")
_SEPARATORS = re.compile(r"[/\\]")


def check_path(raw_path_and_query: str) -> None:
    """Raise BadRequest if the path has a `.` or `..` segment in any encoding, or a NUL."""
    path = raw_path_and_query.partition("?")[0]
    if not _SUSPECT.search(path):
        return
    decoded = path
    # Decode repeatedly so that double encodings (%252e) cannot hide a segment from us
    # while an upstream that decodes twice would still see it.
    for _ in range(3):
        once = unquote(decoded, errors="replace")
        if once == decoded:
            break
        decoded = once
    if "\x00" in decoded:
        raise BadRequest("NUL byte in the path", public="The request path is not allowed.")
    if any(segment in (".", "..") for segment in _SEPARATORS.split(decoded)):
        raise BadRequest(f"dot-segment in path {path!r}", public="The request path is not allowed.")
