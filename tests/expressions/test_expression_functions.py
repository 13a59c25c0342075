"""Every function of the language, with OpenIG's semantics."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.expressions import compile_expression

CASES = [
    # matches / find: Java's Matcher.find(), anywhere in the string
    ("${matches(request.uri.path, '^/api')}", True),
    ("${matches(request.uri.path, 'v1')}", True),
    ("${matches(request.uri.path, '^/admin')}", False),
    ("${matches(request.headers['Missing'][0], '^$')}", True),
    ("${matches(attributes.count, '^[0-9]+$')}", True),
    ("${matches(request.uri.path, request.uri.scheme == 'https' ? '/users$' : 'x')}", True),
    ("${find(request.uri.path, 'users')}", True),
    ("${matchesWithRegex(request.uri.path, 'users')}", False),
    ("${matchesWithRegex(request.uri.path, '/api/.*')}", True),
    # contains: substring, list membership, map key
    ("${contains(request.uri.path, 'v1')}", True),
    ("${contains(request.uri.path, 'v2')}", False),
    ("${contains(identity.claims.groups, 'admin')}", True),
    ("${contains(identity.claims.groups, 'root')}", False),
    ("${contains(request.queryParams, 'a')}", True),
    ("${contains(attributes.none, 'a')}", False),
    ("${contains(request.uri.path, null)}", False),
    ("${startsWith(request.uri.path, '/api/')}", True),
    ("${startsWith(request.uri.path, 'api')}", False),
    ("${endsWith(request.uri.path, '/users')}", True),
    ("${endsWith(request.uri.host, '.org')}", False),
    ("${equalsIgnoreCase(request.uri.scheme, 'HTTPS')}", True),
    ("${equalsIgnoreCase(request.uri.scheme, 'http')}", False),
    ("${toLowerCase(identity.claims.email)}", "alice@example.com"),
    ("${toUpperCase(request.uri.scheme)}", "HTTPS"),
    ("${toLowerCase(attributes.none)}", ""),
    ("${trim('  padded\t ')}", "padded"),
    ("${trim('\u00a0kept\u00a0')}", "\u00a0kept\u00a0"),
    ("${split(request.uri.path, '/')}", ["", "api", "v1", "users"]),
    ("${split('a,b,,', ',')}", ["a", "b"]),
    ("${split('a1b2c', '([0-9])')}", ["a", "b", "c"]),
    ("${split('abc', '')}", ["a", "b", "c"]),
    ("${split('', ',')}", [""]),
    ("${split(request.uri.query, '&')[1]}", "b=two"),
    ("${join(identity.claims.groups, ',')}", "admin,dev"),
    ("${join(split('a b c', ' '), '-')}", "a-b-c"),
    ("${join(attributes.none, ',')}", None),
    ("${urlEncode('a b&c=d/é~*')}", "a+b%26c%3Dd%2F%C3%A9%7E*"),
    ("${urlDecode('a+b%26c%3Dd%2F%C3%A9')}", "a b&c=d/é"),
    ("${length(request.uri.path)}", 13),
    ("${length(identity.claims.groups)}", 2),
    ("${length(request.queryParams)}", 2),
    ("${length(attributes.none)}", 0),
    ("${indexOf(request.uri.path, 'v1')}", 5),
    ("${indexOf(request.uri.path, 'zz')}", -1),
    ("${substring(request.uri.path, 5)}", "v1/users"),
    ("${substring(request.uri.path, 1, 4)}", "api"),
    ("${substring('abc', '1', 3)}", "bc"),
    ("${keyMatch(request.headers, 'X-.*')}", "X-Count"),
    ("${keyMatch(request.headers, 'X-')}", None),
    ("${keyMatch(attributes.none, '.*')}", None),
    ("${matchingGroups(request.uri.path, '/api/(v[0-9]+)/(\\w+)')}", ["/api/v1/users", "v1", "users"]),
    ("${matchingGroups(request.uri.path, '/api/(v[0-9]+)/(\\w+)')[2]}", "users"),
    ("${matchingGroups(request.uri.path, '(x)?users')}", ["users", None]),
    ("${matchingGroups(request.uri.path, '^/admin')}", None),
    ("${findGroups('k=v', '(\\w)=(\\w)')[1]}", "k"),
    ("${encodeBase64('user:pa ss')}", "dXNlcjpwYSBzcw=="),
    ("${decodeBase64('dXNlcjpwYSBzcw==')}", "user:pa ss"),
    ("${decodeBase64('not base64!')}", None),
    ("${decodeBase64('/w==')}", None),
    ("${toString(attributes.count)}", "3"),
    ("${toString(attributes.flag)}", "true"),
    ("${toString(attributes.none)}", ""),
    ("${integer('42')}", 42),
    ("${integer('-7')}", -7),
    ("${integer('4x')}", None),
    ("${integer(' 4')}", None),
    ("${integer(attributes.ratio)}", None),
    ("${integer(request.headers['X-Count'][0]) + 1}", 43),
    # Java String methods, as OpenIG routes write them
    ("${request.uri.path.startsWith('/api')}", True),
    ("${request.uri.path.endsWith('x')}", False),
    ("${request.uri.path.equalsIgnoreCase('/API/V1/USERS')}", True),
    ("${request.uri.path.contains('v1')}", True),
    ("${identity.claims.email.toLowerCase()}", "alice@example.com"),
    ("${request.uri.scheme.toUpperCase()}", "HTTPS"),
    ("${' x '.trim()}", "x"),
    ("${request.uri.path.length()}", 13),
    ("${identity.claims.groups.size()}", 2),
    ("${request.uri.path.indexOf('v1')}", 5),
    ("${request.uri.path.substring(1, 4)}", "api"),
    ("${request.uri.path.split('/')[2]}", "v1"),
    ("${request.uri.path.matches('/api/.*')}", True),
    ("${request.uri.path.matches('api')}", False),
    ("${attributes.count.toString()}", "3"),
]

WRONG_TYPES = [
    "${startsWith(identity.claims.groups, 'a')}",
    "${toLowerCase(request.queryParams)}",
    "${length(attributes.count)}",
    "${join(request.method, ',')}",
    "${keyMatch(request.method, '.*')}",
    "${contains(attributes.count, 3)}",
    "${substring(request.method, 9)}",
    "${substring(request.method, 3, 1)}",
    "${substring(request.method, 'x')}",
    "${matches(request.method, attributes.badRegex)}",
    "${split(request.method, identity.claims)}",
    "${toString(attributes.opaque)}",
    "${toString(attributes.cycle)}",
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_function_returns_openig_result(text: str, expected: Any, scope: dict[str, Any]) -> None:
    assert compile_expression(text)(scope) == expected


@pytest.mark.parametrize("text", WRONG_TYPES)
def test_function_given_wrong_types_evaluates_to_null_and_reports(text: str, scope: dict[str, Any]) -> None:
    errors: list[tuple[str, BaseException]] = []
    expression = compile_expression(text, on_error=lambda s, e: errors.append((s, e)))
    assert expression(scope) is None
    assert [source for source, _ in errors] == [text]
