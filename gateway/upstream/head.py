"""The request head as bytes: request line, headers, blank line; refuses header injection."""

from __future__ import annotations

import re
from collections.abc import Iterable

# RFC 9110 §5.5 / RFC 9112 §4: no control characters but HTAB in a field; CR or LF would split it.
# In UTF-8 a byte below 0x80 is always the ASCII character itself, so checking bytes checks text.
_CONTROL = bytes(b for b in range(0x20) if b != 0x09) + b"\x7f"
# The method and the target are single tokens on the request line.
_LINE_FORBIDDEN = re.compile(r"[\x00-\x20\x7f]")


class HeaderInjection(ValueError):
    """A header name or value, the method or the target holds a character that would split the head."""


def request_head(method: str, target: str, headers: Iterable[tuple[str, str]]) -> bytes:
    """`METHOD target HTTP/1.1`, the headers and the blank line, UTF-8 with the client's bytes kept."""
    if _LINE_FORBIDDEN.search(method) or _LINE_FORBIDDEN.search(target):
        raise HeaderInjection(f"request line {method!r} {target!r} holds a control character or space")
    lines = [f"{method} {target} HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in headers]
    # surrogateescape: bytes the server parser could not decode as UTF-8 go upstream unchanged.
    data = "\r\n".join(lines).encode("utf-8", "surrogateescape")
    # One pass in C instead of a regular expression: only the separators' CR LF may go.
    if len(data) - len(data.translate(None, _CONTROL)) != 2 * len(lines) - 2:
        bad = next(line for line in lines if _has_control(line.encode("utf-8", "surrogateescape")))
        raise HeaderInjection(f"header {bad.partition(':')[0]!r} holds a control character")
    return data + b"\r\n\r\n"


def _has_control(data: bytes) -> bool:
    return len(data.translate(None, _CONTROL)) != len(data)
