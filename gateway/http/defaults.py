"""Headers a response gets where it has none of their name (`setdefault`), or in place of any of
their name (`replace`), prepared once and added to an answer whose headers are still the
upstream's bytes without decoding them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol

from multidict import CIMultiDict

from gateway.http.forwarding import response_headers

# Printable ASCII and tab: what a header line may carry between its name and its CRLF.
_PRINTABLE = re.compile(rb"[\t\x20-\x7e]*")


class Defaults:
    """Header fields added where absent (or, `replace`, in place of any of their name), as text and
    as the lines written from bytes (`lines`, None when they must go through aiohttp's serialiser)."""

    __slots__ = ("lines", "pairs", "replace")

    def __init__(self, pairs: Iterable[tuple[str, str]], replace: bool = False) -> None:
        self.pairs = tuple(pairs)
        self.replace = replace
        lines = tuple(line for name, value in self.pairs if (line := field_line(name, value)) is not None)
        self.lines: tuple[tuple[bytes, bytes], ...] | None = lines if len(lines) == len(self.pairs) else None

    @classmethod
    def checked(
        cls, pairs: tuple[tuple[str, str], ...], lines: tuple[tuple[bytes, bytes], ...] | None, replace: bool
    ) -> Defaults:
        """Fields whose lines the caller built from text it has checked with `field_line` (per request:
        no second check)."""
        fields = cls.__new__(cls)
        fields.pairs, fields.lines, fields.replace = pairs, lines, replace
        return fields

    def add_to(self, headers: CIMultiDict[str]) -> None:
        """`setdefault` each, in order (`replace`: set each)."""
        if self.replace:
            for name, value in self.pairs:
                headers[name] = value
        else:
            for name, value in self.pairs:
                headers.setdefault(name, value)


def field_line(name: str, value: str) -> tuple[bytes, bytes] | None:
    """The lower-cased name and the header line of a field, or None unless it is printable text:
    anything else is left to aiohttp's serialiser, which refuses control characters."""
    line = f"{name}: {value}\r\n".encode()
    return (name.lower().encode(), line) if _PRINTABLE.fullmatch(line, 0, len(line) - 2) else None


# The upstream's header bytes as llhttp gave them, and the defaults given so far, in order.
Unbuilt = tuple[list[tuple[bytes, bytes]], tuple[Defaults, ...]]


def built(unbuilt: Unbuilt) -> CIMultiDict[str]:
    """The headers an unbuilt answer has: the relayed ones decoded (`response_headers`), then its defaults."""
    raw, given = unbuilt
    headers = CIMultiDict(response_headers(raw))
    for defaults in given:
        defaults.add_to(headers)
    return headers


class DeferredHeaders:
    """Headers kept as the upstream's bytes until something reads them (mixed into
    `handlers.relayed.RelayedResponse`): defaults and capture leave them so."""

    _raw: list[tuple[bytes, bytes]]
    _built: CIMultiDict[str] | None = None
    # Defaults given before the headers were built, in order (`set_defaults`).
    _defaults: tuple[Defaults, ...] = ()

    def built_headers(self) -> CIMultiDict[str]:
        """The headers, decoded with the defaults given so far added, built on first use."""
        headers = self._built
        if headers is None:
            headers = self._built = built((self._raw, self._defaults))
        return headers

    def unbuilt(self) -> Unbuilt | None:
        """What the headers will be built from, while nothing has read them; None once built."""
        return (self._raw, self._defaults) if self._built is None else None

    def set_defaults(self, defaults: Defaults) -> None:
        """Add `defaults` where absent: now if the headers are built, else when they are."""
        if self._built is None:
            self._defaults += (defaults,)
        else:
            defaults.add_to(self._built)


class Response(Protocol):
    """A response (aiohttp's `StreamResponse`: this layer stays free of the web framework)."""

    @property
    def headers(self) -> CIMultiDict[str]:
        """Its headers, to change."""


def set_defaults(response: Response, defaults: Defaults) -> None:
    """`setdefault` of each of `defaults` on any response, without building deferred headers."""
    if isinstance(response, DeferredHeaders):
        response.set_defaults(defaults)
    else:
        defaults.add_to(response.headers)
