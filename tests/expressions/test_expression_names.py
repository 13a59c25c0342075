"""Names below the known roots are checked at load time; OpenIG's aliases resolve to today's names."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.expressions import ExpressionError, Options, compile_expression

TYPOS = [
    ("${contexts.client.remoteAdress}", "did you mean 'remoteAddress'?"),
    ("${request.uri.pth}", "did you mean 'path'?"),
    ("${request.metod}", "did you mean 'method'?"),
    ("${contexts.routr.matchedUri}", "did you mean 'router'?"),
    ("${exchange.requst.method}", "did you mean 'request'?"),
    ("${response.status.cod}", "did you mean 'code'?"),
    ("${request.entity.strng}", "did you mean 'string'?"),
    ("${context.client.userAgnt}", "did you mean 'userAgent'?"),
    ("${request.method.name}", "it has no members"),
    ("${requets.method}", "did you mean 'request'?"),
]


@pytest.mark.parametrize(("text", "hint"), TYPOS)
def test_an_unknown_name_is_a_load_error_with_a_did_you_mean(text: str, hint: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text)
    assert hint in caught.value.hint


@pytest.mark.parametrize(
    "text",
    ["${request.headers['X-Anything'][0]}", "${session.anything.deeper}", "${attributes.x}", "${env['HOME']}",
     "${identity.claims.email}", "${request.queryParams.q[0]}", "${request.cookies.sid[0].value}"],
)  # fmt: skip
def test_data_maps_take_any_key(text: str) -> None:
    compile_expression(text)


def test_exchange_names_are_aliases_of_todays_names() -> None:
    scope = {"request": {"method": "PUT"}, "session": {"u": "bob"}, "attributes": {"a": 1}, "response": None}
    assert compile_expression("${exchange.request.method}")(scope) == "PUT"
    assert compile_expression("${exchange.session.u}")(scope) == "bob"
    assert compile_expression("${exchange.attributes.a + 1}")(scope) == 2


def test_context_is_contexts() -> None:
    scope = {"contexts": {"client": {"remoteAddress": "10.0.0.1"}}}
    assert compile_expression("${context.client.remoteAddress}")(scope) == "10.0.0.1"


def test_system_properties_are_a_documented_set_fixed_at_load_time(tmp_path: Path) -> None:
    options = Options.at(tmp_path)
    expression = compile_expression("${system['openig.base']}/x", options=options)
    assert expression.is_constant
    assert expression({}) == f"{tmp_path.resolve()}/x"
    assert compile_expression("${system['user.home']}", options=options)({}) == str(Path.home())
    assert compile_expression("${system['file.separator']}")({}) == "/"
    assert compile_expression("${system['no.such.property']}")({}) is None


def test_an_expression_reading_the_entity_says_so() -> None:
    assert compile_expression("${request.entity.json.kind == 'a'}").reads_entity
    assert compile_expression("${exchange.request.entity.string}").reads_entity
    assert not compile_expression("${request.method == 'POST'}").reads_entity
