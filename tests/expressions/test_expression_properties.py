"""Properties over generated input: the compiler raises only ExpressionError, evaluation never."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.expressions import Expression, ExpressionError, compile_expression

from .scope_data import request_scope

TOKENS = [
    "request", "contexts", "session", "identity", "attributes", "env", "nope", "uri", "path",
    "method", "headers", "claims", "groups", "count", "zero", "cycle", "opaque", "__class__",
    ".", "[", "]", "(", ")", ",", "?", ":", "'a'", "'^/a{2}'", '"x"', "'('", "'\\''", "0", "1",
    "2.5", ".5", "1e3", "99999999999999999999", "true", "false", "null", "==", "!=", "<", ">",
    "<=", ">=", "&&", "||", "!", "and", "or", "not", "eq", "ne", "lt", "gt", "le", "ge",
    "empty", "+", "-", "*", "/", "%", "div", "mod", "matches", "contains", "split", "join",
    "length", "substring", "keyMatch", "matchingGroups", "integer", "toString", "decodeBase64",
    "startsWith", "trim", "urlDecode", "${", "}", "\\${", " ", "'}'",
]  # fmt: skip

SCOPE = request_scope()
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.tuples(inner, inner) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
ATOMS = st.sampled_from(
    [
        "request.method", "request.uri.path", "request.headers['Accept']", "attributes.count",
        "attributes.zero", "attributes.none", "attributes.cycle", "attributes.opaque",
        "identity.claims", "identity.claims.groups", "'a,b'", "'^/a'", "'('", "0", "-1",
        "2.5", "1e308", "null", "true", "''",
    ]
)  # fmt: skip
OPERATORS = st.sampled_from(["==", "!=", "<", ">=", "&&", "||", "+", "-", "*", "/", "%", "div", "mod", "eq", "lt"])
FUNCTIONS = st.sampled_from(
    ["matches", "contains", "split", "join", "length", "substring", "indexOf", "toString",
     "integer", "keyMatch", "matchingGroups", "urlEncode", "decodeBase64", "startsWith"]
)  # fmt: skip


def _grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds(lambda a, op, b: f"({a} {op} {b})", inner, OPERATORS, inner),
        st.builds(lambda op, a: f"{op}{a}", st.sampled_from(["!", "-", "empty ", "not "]), inner),
        st.builds(lambda a, b, c: f"({a} ? {b} : {c})", inner, inner, inner),
        st.builds(lambda a, b: f"{a}[{b}]", inner, inner),
        st.builds(lambda f, args: f"{f}({', '.join(args)})", FUNCTIONS, st.lists(inner, max_size=3)),
    )


EXPRESSIONS = st.recursive(ATOMS, _grow, max_leaves=10)
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _compile(text: str) -> Expression | None:
    try:
        return compile_expression(text)
    except ExpressionError as exc:
        assert 0 <= exc.position <= len(text)
        assert str(exc).startswith(exc.message)
        return None


def _evaluate_everything(expression: Expression, scope: dict[str, Any]) -> None:
    expression(scope)
    assert isinstance(expression.as_bool(scope), bool)
    assert isinstance(expression.as_str(scope), str)


@SETTINGS
@given(st.text())
def test_arbitrary_text_compiles_or_raises_expression_error(text: str) -> None:
    expression = _compile(text)
    if expression is not None:
        _evaluate_everything(expression, SCOPE)


@SETTINGS
@given(st.text(), st.booleans())
def test_arbitrary_text_inside_an_expression_compiles_or_raises_expression_error(body: str, surround: bool) -> None:
    text = f"a ${{{body}}} b" if surround else f"${{{body}}}"
    expression = _compile(text)
    if expression is not None:
        _evaluate_everything(expression, SCOPE)


@SETTINGS
@given(st.lists(st.sampled_from(TOKENS), max_size=14), st.sampled_from(["", " "]))
def test_token_soup_compiles_or_raises_and_evaluation_never_raises(tokens: list[str], joiner: str) -> None:
    expression = _compile("${" + joiner.join(tokens) + "}")
    if expression is not None:
        _evaluate_everything(expression, SCOPE)


@SETTINGS
@given(
    st.sampled_from(
        [
            "${attributes.x}", "${attributes.x.y[0]}", "${attributes.x == attributes.y}",
            "${attributes.x < attributes.y}", "${attributes.x + attributes.y}",
            "${attributes.x % attributes.y}", "${attributes.x / attributes.y}",
            "${-attributes.x}", "${empty attributes.x}", "${attributes.x[attributes.y]}",
            "${matches(attributes.x, attributes.y)}", "${contains(attributes.x, attributes.y)}",
            "${split(attributes.x, ',')}", "${join(attributes.x, attributes.y)}",
            "${length(attributes.x)}", "${substring(attributes.x, attributes.y)}",
            "${keyMatch(attributes.x, '.*')}", "${integer(attributes.x)}",
            "${decodeBase64(attributes.x)}", "${urlEncode(attributes.x)}",
            "v=${attributes.x} w=${attributes.y}", "${attributes.x ? attributes.y : 1}",
            "${attributes.x.startsWith(attributes.y)}", "${toString(attributes.x)}",
        ]
    ),
    VALUES,
    VALUES,
)  # fmt: skip
def test_evaluation_over_arbitrary_values_never_raises(text: str, x: Any, y: Any) -> None:
    _evaluate_everything(compile_expression(text), {"attributes": {"x": x, "y": y}})


@SETTINGS
@given(EXPRESSIONS, st.sampled_from(["${%s}", "x ${%s} y"]))
def test_generated_expressions_compile_or_raise_and_evaluation_never_raises(body: str, shape: str) -> None:
    expression = _compile(shape % body)
    if expression is not None:
        _evaluate_everything(expression, SCOPE)
