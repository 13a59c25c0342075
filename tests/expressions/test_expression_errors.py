"""Compile errors name their column; evaluation errors are null, logged and reported once."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from gateway.expressions import DEFAULT_ROOTS, ExpressionError, compile_expression

BAD = [
    # (template, column, start of message, fragment of the full text)
    ("${request.path)}", 14, "unexpected token ')'", "at column 14"),
    ("${matches(request.uri.path '^/a')}", 27, "unexpected token \"'^/a'\"", "expected"),
    ("${1 +* 2}", 5, "unexpected token '*'", ""),
    ("${request.uri.path == }", 22, "unexpected end of expression", ""),
    ("${request.method ? 1}", 20, "unexpected end of expression", ""),
    ("${}", 2, "unexpected end of expression", ""),
    ("${request.method #}", 17, "unexpected character '#'", ""),
    ("${a b}", 4, "unexpected token 'b'", ""),
    ("${reqest.method}", 2, "unknown name 'reqest'", "did you mean 'request'? known: attributes"),
    ("ok ${request.method} ${idenity.sub}", 23, "unknown name 'idenity'", "'identity'"),
    ("${eq}", 2, "unknown name 'eq'", "known:"),
    ("${mtches(request.method, 'a')}", 2, "unknown function 'mtches'", "did you mean 'matches'"),
    ("${request.uri.path.frob()}", 19, "unknown method 'frob'", "known: contains"),
    ("${''.join(request)}", 5, "unknown method 'join'", ""),
    ("${request.__class__()}", 10, "unknown method '__class__'", ""),
    ("${matches(request.method)}", 2, "matches() takes 2 argument(s), got 1", ""),
    ("${substring('abc', 1, 2, 3)}", 2, "substring() takes 2 to 3 argument(s), got 4", ""),
    ("${request.method.startsWith()}", 17, "startsWith() takes 1 argument(s), got 0", ""),
    ("${matches(request.method, '(')}", 26, "invalid regular expression", "missing )"),
    ("${split(request.method, '[a-')}", 24, "invalid regular expression", ""),
    ("${keyMatch(request.headers, '*')}", 28, "invalid regular expression", ""),
    ("${request.uri.path.matches('a)')}", 27, "invalid regular expression", ""),
    ("abc ${request.method", 4, "unterminated '${'", ""),
    ("${'abc}", 2, "unterminated string", ""),
    ("${" + "-" * 200 + "1}", 103, "expression nested too deeply", ""),
    ("${" + "9" * 5000 + "}", 2, "number too long", ""),
]


@pytest.mark.parametrize(("text", "column", "message", "fragment"), BAD)
def test_bad_template_raises_expression_error_with_its_column(
    text: str, column: int, message: str, fragment: str
) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text)
    assert caught.value.position == column
    assert caught.value.message == message
    assert str(caught.value).startswith(f"{message} at column {column}")
    assert fragment in str(caught.value)


def test_error_text_reads_message_then_column() -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression("${request.method)}")
    assert str(caught.value).split(";")[0] == "unexpected token ')' at column 16"


def test_a_non_string_template_is_an_expression_error() -> None:
    with pytest.raises(ExpressionError):
        compile_expression(42)  # type: ignore[arg-type]


def test_default_roots_are_the_openig_implicit_objects_and_the_policy_decision() -> None:
    assert frozenset({"request", "contexts", "session", "identity", "attributes", "env", "policy"}) == DEFAULT_ROOTS


SAFETY = [
    "${request.__class__}",
    "${request['__class__']}",
    "${''.join}",
    "${request.get}",
    "${request.keys}",
    "${request.method.upper}",
    "${request.method.__class__.__mro__}",
    "${request.__dict__}",
    "${identity.claims.groups.append}",
    "${attributes.opaque.secret}",
    "${attributes.opaque.token}",
    "${attributes.opaque['secret']}",
    "${attributes.opaque.__dict__}",
    "${attributes.count.real}",
    "${attributes.ratio.is_integer}",
    "${env.__class__.__init__.__globals__}",
]


@pytest.mark.parametrize("text", SAFETY)
def test_python_attributes_are_never_reachable(text: str, scope: dict[str, Any]) -> None:
    expression = compile_expression(text)
    assert expression(scope) is None
    assert "leaked" not in expression.as_str(scope)


@pytest.mark.parametrize(
    "text",
    [
        "${request.method / 2}",
        "${1 / attributes.zero}",
        "${attributes.count % attributes.zero}",
        "${identity.claims.groups + 1}",
        "${request.uri.path < 3}",
        "${-request.method}",
        "${request.queryParams[identity.claims.groups]}",
        "${substring(request.method, 10)}",
        "${matches(request.method, attributes.badRegex)}",
        "${toString(attributes.cycle)}",
        "${'9' + attributes.cycle}",
    ],
)
def test_evaluation_error_is_null_logged_and_reported_once(
    text: str, scope: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    errors: list[tuple[str, BaseException]] = []
    expression = compile_expression(text, on_error=lambda s, e: errors.append((s, e)))
    with caplog.at_level(logging.WARNING, logger="gateway.expressions"):
        assert expression(scope) is None
    assert len(errors) == 1
    assert errors[0][0] == text
    assert isinstance(errors[0][1], Exception)
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert text in caplog.records[0].getMessage()


def test_as_bool_and_as_str_of_a_failing_expression_are_false_and_empty(
    scope: dict[str, Any],
) -> None:
    errors: list[str] = []
    expression = compile_expression("${1 / attributes.zero}", on_error=lambda s, e: errors.append(s))
    assert expression.as_bool(scope) is False
    assert expression.as_str(scope) == ""
    assert len(errors) == 2


def test_as_str_of_an_unrenderable_value_is_empty_and_reported(scope: dict[str, Any]) -> None:
    errors: list[BaseException] = []
    expression = compile_expression("${attributes.opaque}", on_error=lambda s, e: errors.append(e))
    assert expression(scope) is not None
    assert expression.as_str(scope) == ""
    assert [type(e) for e in errors] == [TypeError]


def test_a_failing_on_error_callback_does_not_escape(scope: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    def explode(source: str, exc: BaseException) -> None:
        raise RuntimeError("counter broken")

    expression = compile_expression("${1 / attributes.zero}", on_error=explode)
    with caplog.at_level(logging.WARNING, logger="gateway.expressions"):
        assert expression(scope) is None
    assert [r.levelno for r in caplog.records] == [logging.WARNING, logging.ERROR]


def test_a_scope_whose_lookup_fails_yields_null() -> None:
    class Broken(dict[str, Any]):
        def get(self, key: str, default: Any = None) -> Any:
            raise KeyError(key)

    assert compile_expression("${request.method}")(Broken()) is None
