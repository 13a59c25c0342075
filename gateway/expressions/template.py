"""Split an OpenIG template into literal text and the bodies of its `${...}` expressions."""

from __future__ import annotations

from typing import NamedTuple

from gateway.expressions.errors import ExpressionError


class Body(NamedTuple):
    """The text between `${` and `}`, and the column where it starts in the template."""

    offset: int
    text: str


def split_template(template: str) -> list[str | Body]:
    """Literal parts (with `\\${` unescaped) and expression bodies, in order."""
    parts: list[str | Body] = []
    literal: list[str] = []
    start = 0
    while (found := template.find("${", start)) >= 0:
        if found > start and template[found - 1] == "\\":
            literal.append(template[start : found - 1] + "${")
            start = found + 2
            continue
        literal.append(template[start:found])
        end = _closing_brace(template, found)
        if any(literal):
            parts.append("".join(literal))
        literal = []
        parts.append(Body(found + 2, template[found + 2 : end]))
        start = end + 1
    literal.append(template[start:])
    if any(literal):
        parts.append("".join(literal))
    return parts


def _closing_brace(template: str, opening: int) -> int:
    # A '}' inside a quoted string (a regex quantifier such as {2}) does not close the expression.
    quote, quote_at, index = "", 0, opening + 2
    while index < len(template):
        char = template[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote, quote_at = char, index
        elif char == "}":
            return index
        index += 1
    if quote:
        raise ExpressionError("unterminated string", quote_at)
    raise ExpressionError("unterminated '${'", opening)
