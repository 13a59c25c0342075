"""OpenIG's URL encoding functions: each URI component keeps the characters RFC 3986 allows in it.

`formEncode...` is HTML form encoding (space is '+'), as Java's URLEncoder; the `urlEncode...` family
percent-encodes (space is %20) everything but unreserved characters and those legal in the component.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus

_SUB_DELIMS = "!$&'()*+,;="
# What each component leaves as it is, beyond the unreserved ALPHA DIGIT - . _ ~ (RFC 3986 §3).
_SAFE = {
    "Fragment": _SUB_DELIMS + ":@/?",
    "PathElement": _SUB_DELIMS + ":@",
    "QueryParameterNameOrValue": "!$'()*,;:@/?",  # not '&', '=' or '+', which would split the query
    "UserInfo": _SUB_DELIMS + ":",
}


def _encoder(safe: str, text: Callable[[Any], str]) -> Callable[[Any], str]:
    return lambda value: quote(text(value), safe=safe)


def form_encode(value: str) -> str:
    """Java's URLEncoder: form encoding, with '*' kept and '~' escaped."""
    return quote_plus(value, safe="*").replace("~", "%7E")


def url_functions(text: Callable[[Any], str]) -> dict[str, tuple[Callable[..., Any], int, int]]:
    """The functions by name, each with its arity, taking string arguments through `text`."""
    functions: dict[str, tuple[Callable[..., Any], int, int]] = {}
    for component, safe in _SAFE.items():
        functions[f"urlEncode{component}"] = (_encoder(safe, text), 1, 1)
        functions[f"urlDecode{component}"] = (lambda value: unquote(text(value)), 1, 1)
    functions["formEncodeParameterNameOrValue"] = (lambda value: form_encode(text(value)), 1, 1)
    functions["formDecodeParameterNameOrValue"] = (lambda value: unquote_plus(text(value)), 1, 1)
    functions["urlEncode"] = functions["formEncodeParameterNameOrValue"]
    functions["urlDecode"] = functions["formDecodeParameterNameOrValue"]
    return functions
