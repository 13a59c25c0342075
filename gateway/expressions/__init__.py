"""The expression language: a safe, compiled subset of OpenIG's `${...}` (JSP EL).

A template is parsed once (lark, LALR), checked against the known root names and functions, and
compiled to closures; nothing is ever passed to Python's eval. Evaluation reads values only through
`Mapping.get` and sequence indexing, never Python attributes, and never raises: an error is null.
"""

from __future__ import annotations

from gateway.expressions.compiler import compile_body
from gateway.expressions.errors import ExpressionError
from gateway.expressions.expression import Expression, OnError
from gateway.expressions.nodes import Const, Node, apply, as_fn
from gateway.expressions.template import Body, split_template
from gateway.expressions.values import to_str

__all__ = ["DEFAULT_ROOTS", "Expression", "ExpressionError", "compile_expression"]

DEFAULT_ROOTS: frozenset[str] = frozenset({"request", "contexts", "session", "identity", "attributes", "env", "policy"})


def compile_expression(
    text: str, *, roots: frozenset[str] = DEFAULT_ROOTS, on_error: OnError | None = None
) -> Expression:
    """Compile an OpenIG template; raises ExpressionError (with a column) for any bad input."""
    checked: object = text
    if not isinstance(checked, str):
        raise ExpressionError(f"expected an expression string, got {type(checked).__name__}", 0)
    node = _compile_template(text, roots)
    is_constant = isinstance(node, Const)
    return Expression(text, as_fn(node), is_constant, on_error)


def _compile_template(text: str, roots: frozenset[str]) -> Node:
    parts = split_template(text)
    if len(parts) == 1 and isinstance(parts[0], Body):
        return compile_body(parts[0].text, parts[0].offset, roots)
    return apply(_concat, [_part(part, roots) for part in parts])


def _part(part: str | Body, roots: frozenset[str]) -> Node:
    if isinstance(part, str):
        return Const(part)
    return apply(to_str, [compile_body(part.text, part.offset, roots)])


def _concat(*parts: str) -> str:
    return "".join(parts)
