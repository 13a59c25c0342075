"""Evaluating expressions and templates against a request-like scope."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.expressions import compile_expression

ACCESS = [
    ("${request.method}", "POST"),
    ("${request.uri.path}", "/api/v1/users"),
    ("${request.uri.query}", "a=1&b=two"),
    ("${request.uri.host}", "app.example.com"),
    ("${request.uri.scheme}", "https"),
    ("${request.headers['Host'][0]}", "app.example.com"),
    ('${request.headers["Accept"][1]}', "application/json"),
    ("${request.headers.Accept}", ["text/html", "application/json"]),
    ("${request.headers['Missing']}", None),
    ("${request.headers['Missing'][0]}", None),
    ("${request.headers['Accept'][2]}", None),
    ("${request.headers['Accept'][-1]}", None),
    ("${request.headers['Accept']['1']}", "application/json"),
    ("${request.headers['Accept'][1.0]}", "application/json"),
    ("${request.headers['Accept'][true]}", None),
    ("${request.queryParams.b[0]}", "two"),
    ("${request.cookies.sid[0].value}", "abc"),
    ("${contexts.client.remoteAddress}", "10.1.2.3"),
    ("${identity.claims.sub}", "alice"),
    ("${identity.claims.groups[1]}", "dev"),
    ("${attributes.tuple[1]}", "y"),
    ("${request.method[request.headers['X-Count'][0]]}", None),
    ("${attributes[request.uri.scheme == 'https' ? 'count' : 'zero']}", 3),
    ("${env.HOME}", "/home/app"),
    ("${session.user}", None),
    ("${attributes.count.x}", None),
]

LITERALS = [
    ("${'it\\'s'}", "it's"),
    ('${"say \\"hi\\""}', 'say "hi"'),
    ("${'back\\\\slash'}", "back\\slash"),
    ("${'\\d+'}", "\\d+"),
    ("${42}", 42),
    ("${4.5}", 4.5),
    ("${.5}", 0.5),
    ("${1e3}", 1000.0),
    ("${true}", True),
    ("${false}", False),
    ("${null}", None),
    ("${ ( 7 ) }", 7),
]

OPERATORS = [
    ("${request.method == 'POST'}", True),
    ("${request.method eq 'GET'}", False),
    ("${request.method != 'GET'}", True),
    ("${request.method ne 'POST'}", False),
    ("${attributes.count == 3}", True),
    ("${attributes.count == '3'}", True),
    ("${request.headers['X-Count'][0] == 42}", True),
    ("${'abc' == 1}", False),
    ("${attributes.count == 3.0}", True),
    ("${attributes.flag == true}", True),
    ("${attributes.flag == 'TRUE'}", True),
    ("${attributes.flag == 1}", False),
    ("${null == null}", True),
    ("${attributes.none == 0}", False),
    ("${identity.claims.groups == identity.claims.groups}", True),
    ("${attributes.count < 4}", True),
    ("${attributes.count lt 3}", False),
    ("${attributes.count > 2}", True),
    ("${attributes.count gt 3}", False),
    ("${attributes.count <= 3}", True),
    ("${attributes.count le 2}", False),
    ("${attributes.count >= 3}", True),
    ("${attributes.count ge 4}", False),
    ("${'abc' < 'abd'}", True),
    ("${request.headers['X-Count'][0] > 9}", True),
    ("${null < 1}", False),
    ("${true && true}", True),
    ("${true and false}", False),
    ("${false || true}", True),
    ("${false or false}", False),
    ("${attributes.count && request.method}", True),
    ("${!true}", False),
    ("${not attributes.none}", True),
    ("${!attributes.word}", True),
    ("${empty attributes.none}", True),
    ("${empty attributes.blank}", True),
    ("${empty attributes.list}", True),
    ("${empty attributes.map}", True),
    ("${empty request.method}", False),
    ("${empty attributes.zero}", False),
    ("${!empty identity.claims.groups}", True),
    ("${1 + 2}", 3),
    ("${attributes.count + '4'}", 7),
    ("${attributes.count + 0.5}", 3.5),
    ("${null + null}", 0),
    ("${10 - 4}", 6),
    ("${3 * 4}", 12),
    ("${7 / 2}", 3.5),
    ("${8 div 2}", 4.0),
    ("${7 % 3}", 1),
    ("${-7 mod 3}", -1),
    ("${7 % -3}", 1),
    ("${7.5 % 2}", 1.5),
    ("${-attributes.count}", -3),
    ("${-'2'}", -2),
    ("${1 + 2 * 3}", 7),
    ("${(1 + 2) * 3}", 9),
    ("${1 < 2 == true}", True),
    ("${true || false && false}", True),
    ("${attributes.flag ? 'yes' : 'no'}", "yes"),
    ("${attributes.none ? 'yes' : 'no'}", "no"),
    ("${false ? 1 : true ? 2 : 3}", 2),
    ("${true && true && false && true}", False),
    ("${false || false || null || request.method}", True),
]

TEMPLATES = [
    ("plain text", "plain text"),
    ("", ""),
    ("user=${identity.claims.sub}", "user=alice"),
    ("${request.method} ${request.uri.path}", "POST /api/v1/users"),
    ("[${attributes.none}]", "[]"),
    ("n=${attributes.count}, r=${attributes.ratio}", "n=3, r=0.5"),
    ("${attributes.flag}!", "true!"),
    ("groups: ${identity.claims.groups}", "groups: [admin, dev]"),
    ("map: ${request.queryParams}", "map: {a=[1], b=[two]}"),
    ("\\${literal}", "${literal}"),
    ("cost \\${5} and ${attributes.count}", "cost ${5} and 3"),
    ("a\\b ${'x'}", "a\\b x"),
    ("${'}'}", "}"),
    ("${matches('aa', '^a{2}$')}", True),
    ("#{not.an.expression}", "#{not.an.expression}"),
]


def _eval(text: str, scope: dict[str, Any]) -> Any:
    return compile_expression(text)(scope)


@pytest.mark.parametrize(("text", "expected"), ACCESS)
def test_member_and_index_access_reads_mappings_and_sequences(text: str, expected: Any, scope: dict[str, Any]) -> None:
    assert _eval(text, scope) == expected


@pytest.mark.parametrize(("text", "expected"), LITERALS)
def test_literals_evaluate_to_their_values(text: str, expected: Any, scope: dict[str, Any]) -> None:
    assert _eval(text, scope) == expected


@pytest.mark.parametrize(("text", "expected"), OPERATORS)
def test_operators_follow_el_semantics(text: str, expected: Any, scope: dict[str, Any]) -> None:
    result = _eval(text, scope)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(("text", "expected"), TEMPLATES)
def test_templates_concatenate_text_and_values(text: str, expected: Any, scope: dict[str, Any]) -> None:
    assert _eval(text, scope) == expected


def test_a_lone_expression_returns_the_raw_value(scope: dict[str, Any]) -> None:
    assert compile_expression("${identity.claims.groups}")(scope) == ["admin", "dev"]
    assert compile_expression(" ${identity.claims.groups}")(scope) == " [admin, dev]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${attributes.none}", False),
        ("${attributes.blank}", False),
        ("${attributes.zero}", False),
        ("${attributes.list}", False),
        ("${attributes.map}", False),
        ("${attributes.word}", False),
        ("${'FALSE'}", False),
        ("${'True'}", True),
        ("${attributes.count}", True),
        ("${request.method}", True),
        ("${identity.claims}", True),
        ("some text", True),
        ("false", False),
        ("", False),
    ],
)
def test_as_bool_uses_the_documented_truthiness(text: str, expected: bool, scope: dict[str, Any]) -> None:
    assert compile_expression(text).as_bool(scope) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${attributes.none}", ""),
        ("${attributes.count}", "3"),
        ("${attributes.flag}", "true"),
        ("${request.headers.Accept}", "[text/html, application/json]"),
        ("hello", "hello"),
    ],
)
def test_as_str_renders_values_as_text(text: str, expected: str, scope: dict[str, Any]) -> None:
    assert compile_expression(text).as_str(scope) == expected


@pytest.mark.parametrize(
    ("text", "constant"),
    [
        ("plain", True),
        ("${1 + 2}", True),
        ("${toUpperCase('a')} and ${'b'}", True),
        ("${true ? 'x' : request.method}", True),
        ("${request.method}", False),
        ("x ${request.method}", False),
    ],
)
def test_constant_templates_are_folded_at_compile_time(text: str, constant: bool) -> None:
    expression = compile_expression(text)
    assert expression.is_constant is constant
    assert expression.source == text


def test_a_folded_constant_does_not_need_a_scope() -> None:
    assert compile_expression("${toUpperCase('a') == 'A' && 2 > 1}")({}) is True
    assert compile_expression("${2 * 21}")({}) == 42


def test_roots_can_be_restricted_by_the_caller() -> None:
    expression = compile_expression("${settings.port}", roots=frozenset({"settings"}))
    assert expression({"settings": {"port": 8080}}) == 8080


def test_a_root_missing_from_the_scope_is_null() -> None:
    assert compile_expression("${request.uri.path}")({}) is None
