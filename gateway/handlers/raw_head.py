"""The head of a relayed answer written from the upstream's header bytes, as llhttp gave them.

The same head `RelayedResponse` writes from decoded headers, byte for byte, without decoding
each header to text, filling a CIMultiDict and encoding it again: the relayed fields
(`relayed_fields`: hop-by-hop ones and those the upstream's Connection names left out), the
defaults given (`Defaults`: the gateway's Server and Strict-Transport-Security, an authenticated
answer's Cache-Control), then what
aiohttp adds — Content-Length, a Content-Type for a body without one, Date, Server, Connection.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from operator import itemgetter

from aiohttp.helpers import rfc822_formatted_time
from aiohttp.http import SERVER_SOFTWARE

from gateway.http.defaults import Defaults
from gateway.http.forwarding import HOP_BY_HOP, NAMES_NOTHING, relayed_fields

# Names are looked for in one string of them all, lower-cased, each between newlines: a few C
# calls for the whole head instead of a Python step per field.
_LENGTH = b"\ncontent-length\n"
_NAME = itemgetter(0)
_LINE = b"%s: %s\r\n".__mod__
_HOP_BY_HOP = re.compile(b"\n(?:" + b"|".join(sorted(name.encode() for name in HOP_BY_HOP)) + b")(?=\n)")
_TYPE_LINE = b"Content-Type: application/octet-stream\r\n"
_SERVER_LINE = f"Server: {SERVER_SOFTWARE}\r\n".encode()
_CONNECTION_LINES = {"keep-alive": b"Connection: keep-alive\r\n", "close": b"Connection: close\r\n"}


def raw_head(
    raw: list[tuple[bytes, bytes]],
    defaults: Iterable[Defaults],
    status_line: str,
    empty: bool,
    head: bool,
    body: bytes,
    connection: str | None,
) -> tuple[bytes, bytes] | None:
    """Head and body of an answer (`empty`: a status without a body; `head`: to a HEAD), or None
    when it must go through aiohttp's serialiser: anything beyond ASCII, which it re-encodes."""
    # llhttp refuses CR, LF and NUL in the header names and values it parses: the bytes relayed as
    # received need no second pass for control characters. What a filter adds goes through
    # aiohttp's serialiser, which refuses them (`RelayedResponse._serialised`).
    lines, names = _relayed(raw, empty)
    for added in defaults:
        if added.lines is None:
            return None
        for key, line in added.lines:
            if key not in names:
                lines.append(line)
                names += key[1:]
    if not (empty or _LENGTH in names) and (body or not head):
        lines.append(b"Content-Length: %d\r\n" % len(body))
    if not (empty or head) and b"\ncontent-type\n" not in names and _length(lines, names, body):
        lines.append(_TYPE_LINE)
    _finish(lines, names, connection)
    written = status_line.encode() + b"".join(lines)
    if not written.isascii():
        return None
    return written, b"" if empty or head else body


def _relayed(raw: list[tuple[bytes, bytes]], empty: bool) -> tuple[list[bytes], bytes]:
    """The relayed fields' lines (`relayed_fields`' rules), and their names lower-cased between newlines."""
    names = b"\n" + b"\n".join(map(_NAME, raw)).lower() + b"\n"
    hops = [found.start() for found in _HOP_BY_HOP.finditer(names)]
    if not (hops or (empty and _LENGTH in names)):
        return list(map(_LINE, raw)), names
    if not empty and all(_names_nothing(raw, names.count(b"\n", 0, at)) for at in hops):
        # Hop-by-hop fields only, such as `Connection: keep-alive`: dropped by their places.
        lines = list(map(_LINE, raw))
        for at in reversed(hops):
            del lines[names.count(b"\n", 0, at)]
        return lines, _HOP_BY_HOP.sub(b"", names)
    # Fields the upstream's Connection names, or a length an empty answer loses: field by field.
    fields = [field for field in relayed_fields(raw) if not (empty and field[0] == b"content-length")]
    return [_LINE(field[1:]) for field in fields], b"\n" + b"\n".join(field[0] for field in fields) + b"\n"


def _names_nothing(raw: list[tuple[bytes, bytes]], index: int) -> bool:
    """Whether a hop-by-hop field names no other field to drop (anything but `Connection: x-foo`)."""
    name, value = raw[index]
    return name.lower() != b"connection" or {t.strip() for t in value.lower().split(b",")} <= NAMES_NOTHING


def _length(lines: list[bytes], names: bytes, body: bytes) -> int:
    """The length the head declares: the upstream's first Content-Length, or the body's."""
    if _LENGTH not in names:
        return len(body)
    return int(lines[names.count(b"\n", 0, names.index(_LENGTH))].partition(b":")[2])


def _finish(lines: list[bytes], names: bytes, connection: str | None) -> None:
    """Date, Server and Connection where absent, as aiohttp adds them, and the blank line."""
    if b"\ndate\n" not in names:
        lines.append(b"Date: " + rfc822_formatted_time().encode() + b"\r\n")
    if b"\nserver\n" not in names:
        lines.append(_SERVER_LINE)
    if connection is not None and b"\nconnection\n" not in names:
        lines.append(_CONNECTION_LINES[connection])
    lines.append(b"\r\n")
