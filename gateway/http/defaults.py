"""Headers a response gets where it has none of their name (`setdefault`), prepared once, and
added to an answer whose headers are still the upstream's bytes without decoding them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol

from multidict import CIMultiDict

from gateway.http.forwarding import response_headers

# Printable ASCII and tab: what a header line may carry between its name and its CRLF.
_PRINTABLE = re.compile(rb"[\t\x20-\x7e]*")


class Defaults:
    """Header fields added where absent, as text and as the lines written from bytes (`lines`)."""

    __slots__ = ("lines", "pairs")

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self.pairs = tuple(pairs)
        lines = tuple((name.lower().encode(), f"{name}: {value}\r\n".encode()) for name, value in self.pairs)
        # Anything but printable text is left to aiohttp's serialiser, which refuses control characters.
        plain = all(_PRINTABLE.fullmatch(line, 0, len(line) - 2) for _, line in lines)
        self.lines: tuple[tuple[bytes, bytes], ...] | None = lines if plain else None

    def add_to(self, headers: CIMultiDict[str]) -> None:
        """`setdefault` each, in order."""
        for name, value in self.pairs:
            headers.setdefault(name, value)


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
