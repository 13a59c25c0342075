"""Verified tokens kept until they expire, so that a repeated token costs one dictionary lookup.

Bounded: past `size` entries the least recently used goes, so that a flood of distinct tokens
cannot grow memory. The key is the token itself; every entry carries its own expiry time.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class TokenCache(Generic[V]):
    """An LRU map from token to value, each entry valid until its own expiry (epoch seconds)."""

    def __init__(self, size: int = 10_000, clock: Callable[[], float] = time.time) -> None:
        self.size = size
        self._clock = clock
        self._entries: OrderedDict[str, tuple[V, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, token: str) -> V | None:
        """The value cached for `token`, or None when absent or expired."""
        entry = self._entries.get(token)
        if entry is None:
            return None
        if self._clock() >= entry[1]:
            del self._entries[token]
            return None
        self._entries.move_to_end(token)
        return entry[0]

    def put(self, token: str, value: V, expires: float) -> None:
        """Keep `value` until `expires`; an already expired entry is not kept."""
        if expires <= self._clock() or self.size <= 0:
            return
        self._entries[token] = (value, expires)
        self._entries.move_to_end(token)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)
