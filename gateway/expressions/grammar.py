"""The grammar of the text inside `${...}`: JSP EL as OpenIG uses it, parsed by lark's LALR(1)."""

from __future__ import annotations

import functools

from lark import Lark, Token, Tree, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from gateway.expressions.errors import ExpressionError

# Precedence climbs from the conditional down to postfix access, as in the EL specification (EL 3.0's
# string concatenation `+=` sits between the relational and additive operators).
GRAMMAR = r"""
?start: ternary
?ternary: or_expr
        | or_expr "?" ternary ":" ternary -> cond
?or_expr: and_expr
        | or_expr ("||" | "or") and_expr -> or_
?and_expr: eq_expr
        | and_expr ("&&" | "and") eq_expr -> and_
?eq_expr: rel_expr
        | eq_expr ("==" | "eq") rel_expr -> eq
        | eq_expr ("!=" | "ne") rel_expr -> ne
?rel_expr: cat_expr
        | rel_expr ("<" | "lt") cat_expr -> lt
        | rel_expr (">" | "gt") cat_expr -> gt
        | rel_expr ("<=" | "le") cat_expr -> le
        | rel_expr (">=" | "ge") cat_expr -> ge
?cat_expr: add_expr
        | cat_expr "+=" add_expr -> cat
?add_expr: mul_expr
        | add_expr "+" mul_expr -> add
        | add_expr "-" mul_expr -> sub
?mul_expr: unary
        | mul_expr "*" unary -> mul
        | mul_expr ("/" | "div") unary -> div
        | mul_expr ("%" | "mod") unary -> mod
?unary: postfix
      | "-" unary -> neg
      | ("!" | "not") unary -> not_
      | "empty" unary -> empty
?postfix: atom
        | postfix "." NAME -> member
        | postfix "[" ternary "]" -> index
        | postfix "." NAME "(" [args] ")" -> method
?atom: NAME -> root
     | NAME "(" [args] ")" -> call
     | STRING -> string
     | INT -> int
     | FLOAT -> float
     | TRUE -> true
     | FALSE -> false
     | NULL -> null
     | "(" ternary ")"
args: ternary ("," ternary)*

TRUE: "true"
FALSE: "false"
NULL: "null"
NAME: /[A-Za-z_][A-Za-z0-9_]*/
STRING: /'(?:[^'\\]|\\[\s\S])*'/ | /"(?:[^"\\]|\\[\s\S])*"/
FLOAT.2: /[0-9]+\.[0-9]*(?:[eE][+-]?[0-9]+)?/ | /\.[0-9]+(?:[eE][+-]?[0-9]+)?/
       | /[0-9]+[eE][+-]?[0-9]+/
INT: /[0-9]+/
%ignore /[ \t\r\n]+/
"""

_PARSER = Lark(GRAMMAR, parser="lalr", propagate_positions=True, maybe_placeholders=False)
_WORDS = {
    "$END": "end of expression",
    "NAME": "a name",
    "STRING": "a string",
    "INT": "a number",
    "FLOAT": "a number",
}


def parse(body: str, offset: int) -> Tree[Token]:
    """Parse the text of one `${...}`; `offset` is where it starts in the template, for errors."""
    try:
        return _parsed(body)
    except UnexpectedToken as exc:
        raise _unexpected_token(exc, body, offset) from None
    except UnexpectedCharacters as exc:
        char = exc.pos_in_stream or 0
        raise ExpressionError(f"unexpected character {body[char]!r}", offset + char) from None
    except UnexpectedInput as exc:
        raise ExpressionError("invalid expression", offset + (exc.pos_in_stream or 0)) from None


@functools.lru_cache(maxsize=4096)
def _parsed(body: str) -> Tree[Token]:
    # Route files repeat expressions, and a reload parses every file again: a tree is parsed once
    # (the compiler only reads it). A failure is not kept, so its error names the right place.
    return _PARSER.parse(body)


def _unexpected_token(exc: UnexpectedToken, body: str, offset: int) -> ExpressionError:
    token = exc.token
    if token.type == "$END":
        return ExpressionError("unexpected end of expression", offset + len(body))
    where = offset + (token.start_pos or 0)
    return ExpressionError(f"unexpected token {token.value!r}", where, _expected(exc))


def _expected(exc: UnexpectedToken) -> str:
    names = sorted({_describe(name) for name in exc.accepts or exc.expected})
    return f"expected {' or '.join(names)}" if 0 < len(names) <= 6 else ""


def _describe(terminal: str) -> str:
    if terminal in _WORDS:
        return _WORDS[terminal]
    return repr(_PARSER.get_terminal(terminal).pattern.value)
