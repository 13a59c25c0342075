"""What operators do to values: JSP EL coercions, limited to the types a scope holds.

Scope values are Mappings, lists, tuples, str, int, float, bool and None. Nothing here reads a
Python attribute of a value: access goes through `Mapping.get` and sequence indexing only.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# Type tuples are built once: an `int | float` written inside isinstance() is rebuilt per call.
NUMBERS = (int, float)
SEQUENCES = (list, tuple)
STRUCTURES = (list, tuple, Mapping)
CONTAINERS = (str, list, tuple, Mapping)
_MAPPING, _SEQUENCE, _OTHER = "mapping", "sequence", "other"
_SHAPES: dict[type, str] = {dict: _MAPPING, list: _SEQUENCE, tuple: _SEQUENCE, str: _SEQUENCE}
# Mapping types whose `.get` is a member access as it stands: member chains call it with no checks.
DIRECT_GET: set[type] = {dict}
# Mapping types that render as text rather than as `{k=v, ...}` (`${request.uri}` is the URI).
RENDERERS: dict[type, Callable[[Any], str]] = {}


def kind(value: Any) -> str:
    """The name of a value's type, for error messages."""
    return "null" if value is None else type(value).__name__


def truthy(value: Any) -> bool:
    """A value as a condition: null, false, "", 0 and empty collections are false, and "false"."""
    if value is None or value is False:
        return False
    if value is True:
        return True
    if isinstance(value, str):
        return value != "" and not (len(value) == 5 and value.lower() == "false")
    if isinstance(value, NUMBERS):
        return value != 0
    if isinstance(value, STRUCTURES):
        return len(value) > 0
    return True


def to_str(value: Any) -> str:
    """A value as text, as EL renders it: null is "", booleans are lower case."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, NUMBERS):
        return str(value)
    render = RENDERERS.get(type(value))
    if render is not None:
        return render(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{to_str(k)}={to_str(v)}" for k, v in value.items()) + "}"
    if isinstance(value, SEQUENCES):
        return "[" + ", ".join(to_str(v) for v in value) + "]"
    raise TypeError(f"cannot render a {kind(value)}")


def to_number(value: Any) -> int | float:
    """A value as a number for arithmetic: null and "" are 0, numeric strings are parsed."""
    if value is None:
        return 0
    if isinstance(value, NUMBERS) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value == "":
            return 0
        if _INTEGER.fullmatch(value):
            return int(value)
        if _DECIMAL.fullmatch(value):
            return float(value)
    raise TypeError(f"not a number: {kind(value)}")


def member(obj: Any, key: Any) -> Any:
    """`obj.key` / `obj[key]`: a Mapping lookup or an in-range index, otherwise null."""
    if type(obj) is dict:
        return obj.get(key)
    shape = _SHAPES.get(type(obj))
    if shape is None:
        shape = _shape(type(obj))
    if shape is _MAPPING:
        return obj.get(key)
    if shape is _SEQUENCE:
        index = _index(key)
        return obj[index] if index is not None and 0 <= index < len(obj) else None
    return None


def _shape(cls: type) -> str:
    # isinstance against the Mapping ABC costs more than the lookup itself: remember the answer
    # per type (a scope holds only a handful of types).
    shape = _MAPPING if issubclass(cls, Mapping) else _OTHER
    shape = _SEQUENCE if issubclass(cls, CONTAINERS[:3]) else shape
    if len(_SHAPES) < 256:
        _SHAPES[cls] = shape
    return shape


def _index(key: Any) -> int | None:
    if isinstance(key, bool):
        return None
    if isinstance(key, int):
        return key
    if isinstance(key, str) and _INTEGER.fullmatch(key):
        return int(key)
    if isinstance(key, float) and key.is_integer():
        return int(key)
    return None


def is_empty(value: Any) -> bool:
    """EL `empty`: null or a zero-length string, list or map."""
    return value is None or (isinstance(value, CONTAINERS) and len(value) == 0)


def equals(a: Any, b: Any) -> bool:
    """EL `==`: numbers compare by value (numeric strings too), booleans by EL's Boolean.valueOf."""
    if a is b:
        return True
    if a is None or b is None:
        return False
    if type(a) is str and type(b) is str:
        return a == b
    if isinstance(a, bool) or isinstance(b, bool):
        return _boolean(a) is not None and _boolean(a) == _boolean(b)
    if isinstance(a, NUMBERS) or isinstance(b, NUMBERS):
        try:
            return to_number(a) == to_number(b)
        except (TypeError, ValueError):
            return False
    if type(a) in RENDERERS or type(b) in RENDERERS:  # EL compares an object with a string as text
        return to_str(a) == to_str(b) if isinstance(a, str) or isinstance(b, str) else a is b
    return bool(a == b)


def _boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    return value.lower() == "true" if isinstance(value, str) else None


def not_equals(a: Any, b: Any) -> bool:
    """EL `!=`."""
    return not equals(a, b)


def _relation(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], bool]:
    def compare(a: Any, b: Any) -> bool:
        # EL: a comparison with null is false; strings compare as text, anything else as numbers.
        if a is None or b is None:
            return False
        if isinstance(a, str) and isinstance(b, str):
            return bool(op(a, b))
        return bool(op(to_number(a), to_number(b)))

    return compare


def _arithmetic(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], int | float]:
    def compute(a: Any, b: Any) -> int | float:
        result: int | float = op(to_number(a), to_number(b))
        return result

    return compute


less, greater = _relation(operator.lt), _relation(operator.gt)
less_equal, greater_equal = _relation(operator.le), _relation(operator.ge)
add, subtract = _arithmetic(operator.add), _arithmetic(operator.sub)
multiply = _arithmetic(operator.mul)


def divide(a: Any, b: Any) -> float:
    """EL `/` and `div`: always a float; division by zero is an error."""
    return float(to_number(a)) / float(to_number(b))


def modulo(a: Any, b: Any) -> int | float:
    """EL `%` and `mod`: Java's remainder, whose sign follows the dividend."""
    x, y = to_number(a), to_number(b)
    if isinstance(x, float) or isinstance(y, float):
        return math.fmod(x, y)
    remainder = abs(x) % abs(y)
    return -remainder if x < 0 else remainder


def negate(a: Any) -> int | float:
    """EL unary `-`."""
    return -to_number(a)
