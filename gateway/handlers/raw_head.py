"""The head of a relayed answer written from the upstream's header bytes, as llhttp gave them.

The same head `RelayedResponse` writes from decoded headers, byte for byte, without decoding
each header to text, filling a CIMultiDict and encoding it again: the relayed fields
(`relayed_fields`: hop-by-hop ones and those the upstream's Connection names left out), the
defaults given (`Defaults`: the gateway's Server and Strict-Transport-Security, an authenticated
answer's Cache-Control), then what
aiohttp adds — Content-Length, a Content-Type for a body without one, Date, Server, Connection.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp.helpers import rfc822_formatted_time
from aiohttp.http import SERVER_SOFTWARE

from gateway.http.defaults import Defaults
from gateway.http.forwarding import RawField, relayed_fields

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
    when it must go through aiohttp's serialiser: anything beyond ASCII, which it re-encodes."""
    # llhttp refuses CR, LF and NUL in the header names and values it parses: the bytes relayed as
    # received need no second pass for control characters. What a filter adds goes through
    # aiohttp's serialiser, which refuses them (`RelayedResponse._serialised`).
    fields = relayed_fields(raw)
    present = {lower for lower, _, _ in fields}
    lines = [status_line.encode()]
    lines += [name + b": " + value + b"\r\n" for lower, name, value in fields if not (empty and lower == _LENGTH)]
    for added in defaults:
        if added.lines is None:
            return None
        for lower, line in added.lines:
            if lower not in present:
                lines.append(line)
                present.add(lower)
    if not (empty or _LENGTH in present) and (body or not head):
        lines.append(b"Content-Length: %d\r\n" % len(body))
    if not (empty or head) and b"content-type" not in present and _length(fields, body):
        lines.append(_TYPE_LINE)
    _finish(lines, present, connection)
    written = b"".join(lines)
    if not written.isascii():
        return None
    return written, b"" if empty or head else body


def _length(fields: list[RawField], body: bytes) -> int:
    """The length the head declares: the upstream's first Content-Length, or the body's."""
    for lower, _, value in fields:
        if lower == _LENGTH:
            return int(value)
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
