"""OpenIG's function set, `+=`, file functions and Java regexes, with the values OpenIG documents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gateway.expressions import ExpressionError, Options, compile_expression

SCOPE: dict[str, Any] = {"request": {"method": "GET", "headers": {"X": ["a,b,,c,,"]}}, "attributes": {"n": None}}

CALLS = [
    ("${array('a', 'b', 3)}", ["a", "b", "3"]),
    ("${array()}", []),
    ("${boolean('TRUE')}", True),
    ("${boolean('yes')}", False),
    ("${boolean(attributes.n)}", False),
    ("${bool('true')}", True),
    ("${contains('abcd', 'bc')}", True),
    ("${contains(array('x', 'y'), 'y')}", True),
    ("${decodeBase64('aGVsbG8=')}", "hello"),
    ("${decodeBase64('***')}", None),
    ("${encodeBase64('hello')}", "aGVsbG8="),
    ("${find('/home/x', '^/home')}", True),
    ("${find('/x/home', '^/home')}", False),
    ("${findGroups('key=value', '(\\\\w+)=(\\\\w+)')}", ["key=value", "key", "value"]),
    ("${findGroups('nothing', '(\\\\d+)')}", None),
    ("${matchingGroups('a1b22', '[a-z](\\\\d+)')}", ["a1", "1"]),
    ("${matches('abc', 'b')}", True),
    ("${indexOf('hello', 'l')}", 2),
    ("${indexOf('hello', 'z')}", -1),
    ("${integer('42')}", 42),
    ("${integer('4.2')}", None),
    ("${integer('2147483648')}", None),
    ("${integerWithRadix('ff', 16)}", 255),
    ("${integerWithRadix('-101', 2)}", -5),
    ("${integerWithRadix('z', 10)}", None),
    ("${join(array('a', 'b'), '-')}", "a-b"),
    ("${keyMatch(request.headers, '[xX]')}", "X"),
    ("${length('héllo')}", 5),
    ("${length(array('a', 'b'))}", 2),
    ("${split(request.headers['X'][0], ',')}", ["a", "b", "", "c"]),
    ("${toLowerCase('MiXed')}", "mixed"),
    ("${toUpperCase('MiXed')}", "MIXED"),
    ("${toString(12)}", "12"),
    ("${trim('  padded  ')}", "padded"),
    ("${formEncodeParameterNameOrValue('a b&c=d~*')}", "a+b%26c%3Dd%7E*"),
    ("${formDecodeParameterNameOrValue('a+b%26c')}", "a b&c"),
    ("${urlEncodeQueryParameterNameOrValue('a b&c=d+e/f?')}", "a%20b%26c%3Dd%2Be/f?"),
    ("${urlDecodeQueryParameterNameOrValue('a%20b%26c+d')}", "a b&c+d"),
    ("${urlEncodePathElement('a b/c;d@e')}", "a%20b%2Fc;d@e"),
    ("${urlDecodePathElement('a%20b%2Fc')}", "a b/c"),
    ("${urlEncodeFragment('a b/c?d#e')}", "a%20b/c?d%23e"),
    ("${urlDecodeFragment('a%20b%23')}", "a b#"),
    ("${urlEncodeUserInfo('us er:p@ss')}", "us%20er:p%40ss"),
    ("${urlDecodeUserInfo('us%20er:p%40ss')}", "us er:p@ss"),
    ("${urlEncode('a b')}", "a+b"),
]


@pytest.mark.parametrize(("text", "expected"), CALLS)
def test_each_function_returns_what_openig_documents(text: str, expected: Any) -> None:
    assert compile_expression(text)(SCOPE) == expected


CONCATENATION = [
    ("${'a' += 'b'}", "ab"),
    ("${'a' += 1 += true}", "a1true"),
    ("${attributes.n += 'x'}", "x"),
    ("${1 + 2 += 3}", "33"),
    ("${request.method += ' ' += 'done'}", "GET done"),
    ("${'ab' += 'c' == 'abc'}", True),
]


@pytest.mark.parametrize(("text", "expected"), CONCATENATION)
def test_plus_equals_concatenates_strings_as_el_3_does(text: str, expected: Any) -> None:
    assert compile_expression(text)(SCOPE) == expected


JAVA_REGEX = [
    (r"^\p{Alpha}+$", "Hello", True),
    (r"^\p{Alpha}+$", "héllo", False),  # Java's POSIX classes are ASCII
    (r"^[\p{Alnum}_]+$", "a_1", True),
    (r"^\p{Punct}$", "!", True),
    (r"^\P{Digit}+$", "abc", True),
    (r"^\p{XDigit}+$", "c0ffee", True),
    (r"^\p{L}+$", "héllo", True),
    (r"^\Qa.b\E$", "a.b", True),
    (r"^\Qa.b\E$", "axb", False),
    (r"^a++b$", "aab", True),
    (r"^(?>a+)b$", "aab", True),
    (r"(?i)^abc$", "ABC", True),
    (r"^a(?i)bc$", "aBC", True),
    (r"^a(?i)bc$", "ABC", False),
    (r"^(?<y>\d+)-\k<y>$", "12-12", True),
    (r"^\w+$", "héllo", False),  # Java's \w is ASCII
    (r"(?U)^\w+$", "héllo", True),
    (r"^a\z", "a", True),
    (r"^a\Z", "a\n", True),
    (r"^\h+$", " \t", True),
]


@pytest.mark.parametrize(("regex", "value", "expected"), JAVA_REGEX)
def test_java_regexes_are_translated_once_with_java_semantics(regex: str, value: str, expected: bool) -> None:
    escaped = regex.replace("\\", "\\\\")
    expression = compile_expression(f"${{find(attributes.v, '{escaped}')}}")
    assert expression({"attributes": {"v": value}}) is expected
    # The same pattern from the request (not a literal) is translated the same way.
    dynamic = compile_expression("${find(attributes.v, attributes.p)}")
    assert dynamic({"attributes": {"v": value, "p": regex}}) is expected


@pytest.mark.parametrize(
    ("regex", "message"),
    [(r"[a-z&&[^e]]", "intersection"), (r"\p{Lu}", "\\p{Lu}"), (r"\Gx", "\\G"), (r"[a[b]]", "nested"),
     (r"(?d)x", "'d'"), (r"\X", "grapheme")],
)  # fmt: skip
def test_unsupported_java_regex_constructs_are_refused_at_load_time(regex: str, message: str) -> None:
    escaped = regex.replace("\\", "\\\\")
    with pytest.raises(ExpressionError) as caught:
        compile_expression(f"${{matches('x', '{escaped}')}}")
    assert "invalid regular expression" in caught.value.message
    assert message in caught.value.hint


@pytest.fixture
def config(tmp_path: Path) -> Path:
    (tmp_path / "routes").mkdir()
    (tmp_path / "banner.txt").write_text("Welcome\n", encoding="utf-8")
    (tmp_path / "app.properties").write_text(
        "# comment\n! also\nhost = app.example.com\nport:8080\nlong = one \\\n    two\nkey\\ with\\ space value\n"
        "unicode=caf\\u00e9\n",
        encoding="utf-8",
    )
    return tmp_path


def test_read_returns_a_file_under_the_configuration_folder_at_load_time(config: Path) -> None:
    expression = compile_expression("${read('banner.txt')}", options=Options.at(config))
    assert expression.is_constant
    assert expression({}) == "Welcome\n"


def test_read_properties_parses_java_properties(config: Path) -> None:
    expression = compile_expression("${readProperties('app.properties')}", options=Options.at(config))
    assert expression({}) == {
        "host": "app.example.com", "port": "8080", "long": "one two", "key with space": "value", "unicode": "café",
    }  # fmt: skip
    port = compile_expression("${readProperties('app.properties')['port']}", options=Options.at(config))
    assert port({}) == "8080"


def test_path_to_url_and_file_to_url_give_java_file_urls(config: Path) -> None:
    options = Options.at(config)
    assert (
        compile_expression("${pathToUrl('banner.txt')}", options=options)({}) == f"file:{config.resolve()}/banner.txt"
    )
    assert compile_expression("${fileToUrl('routes')}", options=options)({}) == f"file:{config.resolve()}/routes/"


@pytest.mark.parametrize(
    ("text", "message"),
    [("${read('../outside.txt')}", "outside the configuration folder"),
     ("${read('/etc/hostname')}", "outside the configuration folder"),
     ("${read(request.headers['F'][0])}", "cannot depend on the request"),
     ("${read('missing.txt')}", "cannot read")],
)  # fmt: skip
def test_file_functions_refuse_what_is_outside_or_unknown_at_load_time(config: Path, text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text, options=Options.at(config))
    assert message in str(caught.value)


def test_file_functions_need_a_configuration_folder() -> None:
    with pytest.raises(ExpressionError, match="configuration folder"):
        compile_expression("${read('x.txt')}")
