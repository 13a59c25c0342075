"""`baseURI` values, compiled once when a route loads: a URI, or an expression giving one (OpenIG
evaluates a `baseURI` per request, so it may read the request; one that reads only `env` and `system`
is evaluated here, once)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from yarl import URL

from gateway.expressions import ExpressionError, compile_expression
from gateway.heap.scalars import LOAD_TIME_ROOTS, load_time_value

if TYPE_CHECKING:
    from gateway.expressions import Expression
    from gateway.heap.context import BuildContext
    from gateway.validation import ErrorSink

log = logging.getLogger("gateway.routes")
# Where a per-request baseURI resolves: the request's scope.
BaseUri = URL | Callable[[Mapping[str, Any]], URL | None]


def base_uri(value: str, path: str, ctx: BuildContext) -> BaseUri | None:
    """A `baseURI` setting: its URL, or a function of the request scope if it reads the request."""
    if "${" not in value:
        return compile_base_uri(value, path, ctx)
    try:
        compile_expression(value, roots=LOAD_TIME_ROOTS, options=ctx.expression_options())
    except ExpressionError:
        return _PerRequest(ctx.expression(value, path))
    given = load_time_value(value, path, ctx, set())
    return compile_base_uri(str(given), path, ctx) if given is not None else None


def compile_base_uri(value: str, path: str, ctx: ErrorSink) -> URL | None:
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


class _PerRequest:
    """A baseURI that reads the request: evaluated per request, each distinct value parsed once."""

    def __init__(self, expression: Expression) -> None:
        self.expression = expression
        self._parsed: dict[str, URL | None] = {}

    def __call__(self, scope: Mapping[str, Any]) -> URL | None:
        text = self.expression.as_str(scope)
        if text in self._parsed:
            return self._parsed[text]
        url = compile_base_uri(text, "baseURI", _Logged(self.expression.source))
        if len(self._parsed) < 256:  # bounded: a value copied from a header could differ per client
            self._parsed[text] = url
        return url


class _Logged:
    """Reports a bad per-request value to the log: the request then finds no upstream."""

    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, path: str, message: str) -> None:
        log.warning("baseURI %r gave no usable URI: %s", self.source, message)
