"""Path-confusion defence: a path that upstreams may resolve differently from how routes match it
is refused with 400, never matched in one form and forwarded in another (RFC 3986 §5.2.4), and
the path routes match is the one forwarded, normalised (RFC 3986 §6.2.2): escaped unreserved
characters decoded, then plain `.` and `..` segments resolved and repeated slashes merged.

Routes match the decoded path (`request.path`, where `%2F` is `/`) and the upstream gets the raw
bytes; the two name the same resource unless a segment is `.` or `..`, empty (`//`, which many
servers merge), or becomes so once `;parameters` are cut (Tomcat reads `..;x` as `..`). Every
percent-decoding depth counts (`%2e`, `%252e`, ...) and `\\` counts as `/` (`%5c` too)."""

from __future__ import annotations

import re
from urllib.parse import unquote

from gateway.errors import BadRequest

# A separator, then an empty, `.` or `..` segment (`;params` allowed) before another separator or
# at the end; a trailing empty segment (`/dir/`) is fine.
_AMBIGUOUS = re.compile(r"[/\\]\.{0,2}(?:;[^/\\]*)?[/\\]|[/\\]\.{1,2}(?:;[^/\\]*)?\Z")
# Only these escapes can decode to a separator, dot, `;` or NUL (`%25` to another escape).
_STRUCTURAL_ESCAPE = re.compile(r"%(?:2[5eEfF]|5[cC]|3[bB]|00)")
_PUBLIC = "The request path is not allowed."
# Escapes of unreserved characters (ALPHA, DIGIT, `-._~`): `%41` and `A` are the same URI (RFC 3986 §2.3).
_UNRESERVED_ESCAPE = re.compile(r"%(?:[46][1-9A-Fa-f]|[57][0-9Aa]|3[0-9]|2[DEde]|5[Ff]|7[Ee])")
# An escape of `%` before two hex digits: a second escape that a server decoding twice would read.
_ESCAPED_ESCAPE = re.compile(r"%25[0-9A-Fa-f]{2}")


def check_path(raw_target: str) -> None:
    """Raise BadRequest if the request target's path is ambiguous (see the module docstring)."""
    if not raw_target.startswith("/"):
        raw_target = origin_form(raw_target)
        if not raw_target.startswith("/"):
            # Authority-form (CONNECT host:port) names no path: nothing to match or forward.
            raise BadRequest(f"request target {raw_target!r} is not a path", public=_PUBLIC)
    path = raw_target.partition("?")[0]
    if "%" in path and _STRUCTURAL_ESCAPE.search(path):
        path = _fully_decoded(path)
        if "\x00" in path:
            raise BadRequest("NUL byte in the path", public=_PUBLIC)
    if _AMBIGUOUS.search(path):
        raise BadRequest(f"ambiguous segment in path {raw_target.partition('?')[0]!r}", public=_PUBLIC)


def origin_form(target: str) -> str:
    """The path and query of an absolute-form target (`http://host/p?q`, RFC 9112 §3.2.2), as sent."""
    _, sep, rest = target.partition("://")
    if not sep:
        return target
    start = next((i for i, char in enumerate(rest) if char in "/?"), len(rest))
    tail = rest[start:]
    return tail if tail.startswith("/") else "/" + tail


def _fully_decoded(path: str) -> str:
    """Percent-decode until nothing changes, so no encoding depth can hide a segment from us
    that an upstream decoding more than once would still see. Each round shrinks the text."""
    while True:
        once = unquote(path, errors="replace")
        if once == path:
            return path
        path = once


def decode_unreserved(path: str) -> str:
    """The path with escaped unreserved characters decoded (`/%61dmin` is `/admin`); other escapes
    stay as sent, so `%2F` remains a character of a segment, not a separator."""
    return _UNRESERVED_ESCAPE.sub(_unescape, path)


def _unescape(found: re.Match[str]) -> str:
    return chr(int(found.group()[1:], 16))


def resolve_segments(path: str) -> str:
    """The path with repeated `/` merged and plain `.` / `..` segments resolved (RFC 3986 §5.2.4, `..`
    never above the root). Only bare segments: `..;x`, `\\` or an escaped dot or slash stay as they
    are, for `check_path` to refuse, since upstreams read those in ways of their own."""
    if "//" not in path and "/." not in path:
        return path
    out: list[str] = []
    segments = path.split("/")[1:]
    for segment in segments[:-1]:
        if segment == "..":
            if out:
                out.pop()
        elif segment not in (".", ""):
            out.append(segment)
    last = segments[-1]
    if last == ".." and out:
        out.pop()
    # `/a/..` and `/a/.` name a directory: the path keeps its trailing slash.
    out.append("" if last in (".", "..") else last)
    return "/" + "/".join(out)


def double_encoded(target: str) -> bool:
    """Whether the path is still percent-encoded after one decoding (`/%2561dmin` → `/%61dmin`)."""
    path = target.partition("?")[0]
    return "%25" in path and _ESCAPED_ESCAPE.search(path) is not None
