"""Validation of `baseURI` values, done once when a route loads."""

from __future__ import annotations

from typing import TYPE_CHECKING

from yarl import URL

if TYPE_CHECKING:
    from gateway.heap.context import BuildContext


def compile_base_uri(value: str, path: str, ctx: BuildContext) -> URL | None:
    """The upstream origin (and path prefix) as a URL; records an error unless it is an absolute http(s) URI."""
    try:
        url = URL(value)
    except ValueError as exc:
        ctx.error(path, f"{value!r} is not a URI: {exc}")
        return None
    if url.scheme not in ("http", "https", "ws", "wss") or not url.host:
        ctx.error(path, f"{value!r} must be an absolute http:// or https:// URI such as http://app:8080")
        return None
    if url.query_string or url.fragment:
        ctx.error(path, f"{value!r} must name scheme, host, port and at most a path prefix (no query or fragment)")
        return None
    # A path is a prefix put before every request path, as current OpenIG does; a bare "/" is none.
    prefix = url.raw_path.rstrip("/")
    return url.origin().with_path(prefix, encoded=True) if prefix else url.origin()
