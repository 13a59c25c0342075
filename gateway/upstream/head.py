"""The request head as bytes: request line, headers, blank line; refuses header injection."""

from __future__ import annotations

import re
from collections.abc import Iterable

from gateway.http.fields import HeaderInjection, encode_head

__all__ = ["HeaderInjection", "request_head"]

# The method and the target are single tokens on the request line.
_LINE_FORBIDDEN = re.compile(r"[\x00-\x20\x7f]")


def request_head(method: str, target: str, headers: Iterable[tuple[str, str]]) -> bytes:
    """`METHOD target HTTP/1.1`, the headers and the blank line, UTF-8 with the client's bytes kept."""
    if _LINE_FORBIDDEN.search(method) or _LINE_FORBIDDEN.search(target):
        raise HeaderInjection(f"request line {method!r} {target!r} holds a control character or space")
    lines = [f"{method} {target} HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in headers]
    # surrogateescape: bytes the server parser could not decode as UTF-8 go upstream unchanged.
    return encode_head(lines, "surrogateescape")
