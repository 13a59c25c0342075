"""The head of a relayed answer written from the upstream's header bytes, as llhttp gave them.

The same head `RelayedResponse` writes from decoded headers, byte for byte, without decoding
each header to text, filling a CIMultiDict and encoding it again: the relayed fields (hop-by-hop
ones left out, as `http.forwarding.response_headers` does), the defaults given (`Defaults`: the
gateway's Server and Strict-Transport-Security, an authenticated answer's Cache-Control, and the
RateLimit fields, which replace any of their name), then what aiohttp adds — Content-Length, a
Content-Type for a body without one, Date, Server, Connection. One loop over the fields: a Python
step per field is most of what this costs.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp.helpers import rfc822_formatted_time
from aiohttp.http import SERVER_SOFTWARE

from gateway.http.defaults import Defaults
from gateway.http.forwarding import HOP_BY_HOP_BYTES, KNOWN_LOWER, names_nothing

_LENGTH = b"content-length"
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
    when it must go through aiohttp's serialiser: anything beyond ASCII, which it re-encodes, or an
    upstream Connection header naming fields to drop."""
    # llhttp refuses CR, LF and NUL in the header names and values it parses: the bytes relayed as
    # received need no second pass for control characters. What a filter adds goes through
    # aiohttp's serialiser, which refuses them (`RelayedResponse._serialised`).
    relayed = _relayed(raw, empty)
    if relayed is None:
        return None
    lines, present = relayed
    lines.insert(0, status_line.encode())
    for added in defaults:
        if added.lines is None:
            return None
        for lower, line in added.lines:
            if lower not in present:
                lines.append(line)
                present.add(lower)
            elif added.replace:
                # In place of a field already there: rare (an upstream sending it too), left decoded.
                return None
    if not (empty or _LENGTH in present) and (body or not head):
        lines.append(b"Content-Length: %d\r\n" % len(body))
    if not (empty or head) and b"content-type" not in present and _length(lines, body):
        lines.append(_TYPE_LINE)
    _finish(lines, present, connection)
    written = b"".join(lines)
    if not written.isascii():
        return None
    return written, b"" if empty or head else body


def _relayed(raw: list[tuple[bytes, bytes]], empty: bool) -> tuple[list[bytes], set[bytes]] | None:
    """The lines of the fields relayed (`response_headers`' rules) and their names, lower-cased; None
    when the upstream's Connection names fields to drop (rare: left to the decoded path)."""
    lines: list[bytes] = []
    present: set[bytes] = set()
    known = KNOWN_LOWER
    for name, value in raw:
        lower = known.get(name)
        if lower is None:
            lower = name.lower()
            if lower in HOP_BY_HOP_BYTES:
                if lower == b"connection" and not names_nothing(value):
                    return None
                continue
        if empty and lower == _LENGTH:
            continue
        present.add(lower)
        lines.append(name + b": " + value + b"\r\n")
    return lines, present


def _length(lines: list[bytes], body: bytes) -> int:
    """The length the head declares: the upstream's first Content-Length, or the body's."""
    for line in lines:
        if line[:15].lower() == b"content-length:":
            return int(line[15:])
    return len(body)


def _finish(lines: list[bytes], present: set[bytes], connection: str | None) -> None:
    """Date, Server and Connection where absent, as aiohttp adds them, and the blank line."""
    if b"date" not in present:
        lines.append(b"Date: " + rfc822_formatted_time().encode() + b"\r\n")
    if b"server" not in present:
        lines.append(_SERVER_LINE)
    if connection is not None and b"connection" not in present:
        lines.append(_CONNECTION_LINES[connection])
    lines.append(b"\r\n")
