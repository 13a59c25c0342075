"""The functions expressions may call, under OpenIG's names; each is pure.

String parameters take EL's coercion (null is "", numbers and booleans become text); any other
type is an error, which the evaluator turns into null.
"""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from gateway.expressions.files import FILE_FUNCTIONS
from gateway.expressions.javaregex import compile_java
from gateway.expressions.urls import url_functions
from gateway.expressions.values import CONTAINERS, SEQUENCES, STRUCTURES, kind, to_str

# Java's String.trim() strips every character up to and including the space, nothing else.
_JAVA_TRIM = "".join(map(chr, range(33)))
_INTEGER = re.compile(r"[+-]?[0-9]+")
_RADIX_DIGITS = re.compile(r"[+-]?[0-9a-zA-Z]+")
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1  # Java's int: OpenIG's integer() is Integer.valueOf


class Function(NamedTuple):
    """A callable with its arity; `regex` is the index of an argument that is a pattern.

    `bind`, if set, turns a literal pattern into a one-argument callable for the hot path.
    """

    call: Callable[..., Any]
    min_args: int
    max_args: int
    regex: int | None = None
    bind: Callable[[re.Pattern[str]], Callable[[Any], Any]] | None = None


def text(value: Any) -> str:
    """A string argument, coerced as EL coerces function parameters."""
    if type(value) is str:
        return value
    if isinstance(value, STRUCTURES):
        raise TypeError(f"expected a string, got a {kind(value)}")
    return to_str(value)


def pattern(value: Any) -> re.Pattern[str]:
    """A (Java) regex argument: precompiled when the route gave a literal, translated (and cached) if not."""
    return value if isinstance(value, re.Pattern) else _java(text(value))


@functools.lru_cache(maxsize=256)
def _java(source: str) -> re.Pattern[str]:
    return compile_java(source)


def _matches(value: Any, regex: Any) -> bool:
    # OpenIG's matches() is Java's Matcher.find(): the pattern may match anywhere.
    return pattern(regex).search(text(value)) is not None


def _bind_matches(compiled: re.Pattern[str]) -> Callable[[Any], bool]:
    search = compiled.search
    return lambda value: search(text(value)) is not None


def _matches_whole(value: Any, regex: Any) -> bool:
    return pattern(regex).fullmatch(text(value)) is not None


def _matching_groups(value: Any, regex: Any) -> list[str | None] | None:
    found = pattern(regex).search(text(value))
    return None if found is None else [found.group(0), *found.groups()]


def _key_match(mapping: Any, regex: Any) -> str | None:
    if mapping is None:
        return None
    if not isinstance(mapping, Mapping):
        raise TypeError(f"expected a map, got a {kind(mapping)}")
    compiled = pattern(regex)
    return next((k for k in mapping if isinstance(k, str) and compiled.fullmatch(k)), None)


def _split(value: Any, regex: Any) -> list[str]:
    # Java's String.split: capture groups are not returned, trailing empty strings are dropped,
    # and a zero-width match at the start yields no leading empty string.
    source, start, parts = text(value), 0, []
    for found in pattern(regex).finditer(source):
        if found.end() == 0:
            continue
        parts.append(source[start : found.start()])
        start = found.end()
    if not parts:
        return [source]
    parts.append(source[start:])
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def _join(values: Any, separator: Any) -> str | None:
    if values is None:
        return None
    if not isinstance(values, SEQUENCES):
        raise TypeError(f"expected a list, got a {kind(values)}")
    return text(separator).join(to_str(v) for v in values)


def _contains(container: Any, value: Any) -> bool:
    if container is None or value is None:
        return False
    if isinstance(container, str):
        return text(value) in container
    if isinstance(container, STRUCTURES):
        return value in container
    raise TypeError(f"cannot search a {kind(container)}")


def _length(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, CONTAINERS):
        return len(value)
    raise TypeError(f"no length for a {kind(value)}")


def _substring(value: Any, start: Any, *end: Any) -> str:
    source = text(value)
    first, last = _int_arg(start), _int_arg(end[0]) if end else len(source)
    if not 0 <= first <= last <= len(source):
        raise IndexError(f"substring({first}, {last}) of a string of length {len(source)}")
    return source[first:last]


def _int_arg(value: Any) -> int:
    number = _integer(value)
    if number is None:
        raise TypeError(f"expected an integer, got a {kind(value)}")
    return number


def _integer(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INTEGER.fullmatch(value) and len(value) <= 12:
        number = int(value)
        return number if _INT_MIN <= number <= _INT_MAX else None
    return None


def _integer_with_radix(value: Any, radix: Any) -> int | None:
    base = _int_arg(radix)
    source = text(value)
    if not 2 <= base <= 36 or not _RADIX_DIGITS.fullmatch(source) or len(source) > 40:
        return None
    try:
        number = int(source, base)
    except ValueError:  # a digit beyond the radix: Java's NumberFormatException, null in OpenIG
        return None
    return number if _INT_MIN <= number <= _INT_MAX else None


def _boolean(value: Any) -> bool:
    # Java's Boolean.valueOf: true only for "true" in any case; null and anything else are false.
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _load_time_only(value: Any) -> None:
    raise RuntimeError("file functions are evaluated when the route loads")


def concat(a: Any, b: Any) -> str:
    """EL 3.0 `a += b`: both as text, joined."""
    return to_str(a) + to_str(b)


def _array(*values: Any) -> list[str]:
    return [text(value) for value in values]


def _decode_base64(value: Any) -> str | None:
    try:
        return base64.b64decode(text(value), validate=True).decode("utf-8")
    except ValueError:  # not base64, or not UTF-8 text: OpenIG answers null
        return None


def _encode_base64(value: Any) -> str:
    return base64.b64encode(text(value).encode("utf-8")).decode("ascii")


FUNCTIONS: Mapping[str, Function] = MappingProxyType(
    {
        "matches": Function(_matches, 2, 2, regex=1, bind=_bind_matches),
        "find": Function(_matches, 2, 2, regex=1, bind=_bind_matches),
        "matchesWithRegex": Function(_matches_whole, 2, 2, regex=1),
        "matchingGroups": Function(_matching_groups, 2, 2, regex=1),
        "findGroups": Function(_matching_groups, 2, 2, regex=1),
        "keyMatch": Function(_key_match, 2, 2, regex=1),
        "split": Function(_split, 2, 2, regex=1),
        "join": Function(_join, 2, 2),
        "contains": Function(_contains, 2, 2),
        "startsWith": Function(lambda s, p: text(s).startswith(text(p)), 2, 2),
        "endsWith": Function(lambda s, p: text(s).endswith(text(p)), 2, 2),
        "equalsIgnoreCase": Function(lambda s, p: text(s).lower() == text(p).lower(), 2, 2),
        "indexOf": Function(lambda s, p: text(s).find(text(p)), 2, 2),
        "substring": Function(_substring, 2, 3),
        "length": Function(_length, 1, 1),
        "toLowerCase": Function(lambda s: text(s).lower(), 1, 1),
        "toUpperCase": Function(lambda s: text(s).upper(), 1, 1),
        "trim": Function(lambda s: text(s).strip(_JAVA_TRIM), 1, 1),
        "decodeBase64": Function(_decode_base64, 1, 1),
        "encodeBase64": Function(_encode_base64, 1, 1),
        "toString": Function(to_str, 1, 1),
        "integer": Function(_integer, 1, 1),
        "integerWithRadix": Function(_integer_with_radix, 2, 2),
        "boolean": Function(_boolean, 1, 1),
        "bool": Function(_boolean, 1, 1),
        "array": Function(_array, 0, 255),
        # File functions run at load time only (see files.py); the compiler never calls these.
        **{name: Function(_load_time_only, 1, 1) for name in FILE_FUNCTIONS},
        **{name: Function(*spec) for name, spec in url_functions(text).items()},
    }
)

# `value.name(args)` calls FUNCTIONS[METHODS[name]](value, args): Java String methods as OpenIG
# routes write them, with no access to Python attributes. Java's String.matches is a full match.
METHODS: Mapping[str, str] = MappingProxyType(
    {name: name for name in ("contains", "startsWith", "endsWith", "equalsIgnoreCase", "indexOf", "substring")}
    | {name: name for name in ("split", "toLowerCase", "toUpperCase", "trim", "toString")}
    | {"length": "length", "size": "length", "matches": "matchesWithRegex"}
)
