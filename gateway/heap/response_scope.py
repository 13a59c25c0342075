"""Response-side expressions (`${response.status.code == 500}`): compiled with the `response` root,
evaluated against the request's scope plus a view of the response."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from gateway.expressions import DEFAULT_ROOTS, Expression, ExpressionError, compile_expression

if TYPE_CHECKING:
    from aiohttp import web

    from gateway.heap.context import BuildContext

RESPONSE_ROOTS = DEFAULT_ROOTS | {"response"}


def response_expression(ctx: BuildContext, text: str, path: str) -> Expression:
    """Compile an expression that may read `response` as well as the request-side roots."""
    try:
        return compile_expression(text, roots=RESPONSE_ROOTS, on_error=ctx.on_expression_error)
    except ExpressionError as exc:
        ctx.error(path, f"invalid expression {text!r}: {exc}")
        return compile_expression("")


def response_view(response: web.StreamResponse) -> dict[str, Any]:
    """`response` as OpenIG shows it: status (code, reasonPhrase) and headers (name → values)."""
    headers: dict[str, list[str]] = {}
    for name, value in response.headers.items():
        headers.setdefault(name, []).append(value)
    status = {"code": response.status, "reasonPhrase": response.reason}
    return {"status": status, "headers": _Headers(headers)}


class _Headers(dict[str, list[str]]):
    """Header lists by case-insensitive name."""

    def __init__(self, headers: dict[str, list[str]]) -> None:
        super().__init__({name.lower(): values for name, values in headers.items()})

    def get(self, key: Any, default: Any = None) -> Any:
        """The values of header `key`, whatever its case."""
        return super().get(str(key).lower(), default)

    def __getitem__(self, key: Any) -> list[str]:
        return super().__getitem__(str(key).lower())


class WithResponse(Mapping[str, Any]):
    """The request's scope with `response` added."""

    __slots__ = ("_response", "_scope")

    def __init__(self, scope: Mapping[str, Any], response: web.StreamResponse) -> None:
        self._scope, self._response = scope, response_view(response)

    def get(self, key: str, default: Any = None) -> Any:
        """`response`, or the scope's root of that name."""
        return self._response if key == "response" else self._scope.get(key, default)

    def __getitem__(self, key: str) -> Any:
        return self._response if key == "response" else self._scope[key]

    def __iter__(self) -> Iterator[str]:
        yield "response"
        yield from self._scope

    def __len__(self) -> int:
        return len(self._scope) + 1
