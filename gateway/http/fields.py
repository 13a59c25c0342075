"""A message head as bytes: lines joined with CRLF, refusing any control character inside a line
(RFC 9110 §5.5, RFC 9112 §4: HTAB is the only one allowed; a CR or LF would split the head)."""

from __future__ import annotations

# Every control byte but HTAB. In UTF-8 a byte below 0x80 is always the ASCII character itself,
# so checking the encoded bytes checks the text.
_CONTROL = bytes(b for b in range(0x20) if b != 0x09) + b"\x7f"


class HeaderInjection(ValueError):
    """A header name or value, or the start line, holds a character that would split the head."""


def encode_head(lines: list[str], errors: str) -> bytes:
    """`lines` as a head ending in the blank line, UTF-8 (`errors`: how lone surrogates are encoded)."""
    data = "\r\n".join(lines).encode("utf-8", errors)
    # One C pass instead of a regular expression: only the separators' CR LF may go.
    if len(data) - len(data.translate(None, _CONTROL)) != 2 * len(lines) - 2:
        bad = next(line for line in lines if _has_control(line.encode("utf-8", errors)))
        raise HeaderInjection(f"header {bad.partition(':')[0]!r} holds a control character")
    return data + b"\r\n\r\n"


def _has_control(data: bytes) -> bool:
    return len(data.translate(None, _CONTROL)) != len(data)
