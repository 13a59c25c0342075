"""Header masks: credentials never reach a capture file unless a decorator says otherwise."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from multidict import MultiMapping

DEFAULT_MASK = "*****"
# Header names (full match, any case) whose values are masked by default.
DEFAULT_HEADERS = (
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    r".*api[-_]?key.*",
    "x-auth-token",
)
# Header names seen by one writer thread are few; the cap keeps hostile names from growing it.
_CACHE_LIMIT = 1024


class Masks:
    """Decides, once per header name, whether a value is replaced by the mask."""

    def __init__(self, patterns: Sequence[re.Pattern[str]], mask: str = DEFAULT_MASK) -> None:
        self.patterns = tuple(patterns)
        self.mask = mask
        self._masked: dict[str, bool] = {}
        # For each sequence of header names seen, the positions of the values to hide.
        self._plans: dict[tuple[str, ...], tuple[int, ...]] = {}

    @classmethod
    def compile(cls, patterns: Sequence[str], mask: str = DEFAULT_MASK) -> Masks:
        """Compile header-name regexes, matched whole and ignoring case; raises re.error."""
        return cls([re.compile(p, re.IGNORECASE) for p in patterns], mask)

    def value(self, name: str, value: str) -> str:
        """The value to record for header `name`."""
        return self.mask if self.hides(name) else value

    def hides(self, name: str) -> bool:
        """Whether values of `name` are masked."""
        hidden = self._masked.get(name)
        if hidden is None:
            hidden = any(p.fullmatch(name) for p in self.patterns)
            if len(self._masked) >= _CACHE_LIMIT:
                self._masked.clear()
            self._masked[name] = hidden
        return hidden

    def block(self, headers: MultiMapping[str]) -> str:
        """The header lines of a record, each ending in a newline, masked; built by C-level joins."""
        if not headers:
            return ""
        # `keys()` lists a repeated name once: then positions do not line up, and each pair is asked.
        names = tuple(headers.keys())
        pairs: Iterable[tuple[str, str]] = headers.items()
        if len(names) != len(headers):
            return "\n".join([f"{name}: {self.value(name, value)}" for name, value in pairs]) + "\n"
        hidden = self._plans.get(names)
        if hidden is None:
            hidden = self._plan(names)
        if hidden:
            masked = list(pairs)
            for index in hidden:
                masked[index] = (names[index], self.mask)
            pairs = masked
        return "\n".join(map(": ".join, pairs)) + "\n"

    def _plan(self, names: tuple[str, ...]) -> tuple[int, ...]:
        """The positions of the values to hide among `names`, kept for the next record with these names."""
        hidden = tuple(index for index, name in enumerate(names) if self.hides(name))
        if len(self._plans) >= _CACHE_LIMIT:
            self._plans.clear()
        self._plans[names] = hidden
        return hidden
