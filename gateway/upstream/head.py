"""The request head as bytes: request line, headers, blank line; refuses header injection."""

from __future__ import annotations

import re
from collections.abc import Iterable

# RFC 9110 §5.5 / RFC 9112 §4: no control characters but HTAB in a field; CR or LF would split it.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
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
    # One search over the joined fields: the separator is a legal character, so only a forbidden
    # character inside a name or value can match.
    fields = "\t".join(lines)
    if _FORBIDDEN.search(fields):
        bad = next(line for line in lines if _FORBIDDEN.search(line))
        raise HeaderInjection(f"header {bad.partition(':')[0]!r} holds a control character")
    lines.append("\r\n")
    # surrogateescape: bytes the server parser could not decode as UTF-8 go upstream unchanged.
    return "\r\n".join(lines).encode("utf-8", "surrogateescape")
