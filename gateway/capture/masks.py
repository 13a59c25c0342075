"""Header masks: credentials never reach a capture file unless a decorator says otherwise."""

from __future__ import annotations

import re
from collections.abc import Sequence

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
