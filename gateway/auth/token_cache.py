"""Verified tokens kept until they expire, so that a repeated token costs one dictionary lookup.

Bounded: past `size` entries the least recently used goes, so that a flood of distinct tokens
cannot grow memory. The key is the token itself; every entry carries its own expiry time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from gateway.lru import ExpiringLru

V = TypeVar("V")


class TokenCache(ExpiringLru[str, V]):
    """An LRU map from token to value, each entry valid until its own expiry (epoch seconds)."""

    def __init__(self, size: int = 10_000, clock: Callable[[], float] = time.time) -> None:
        super().__init__(size, clock)

    def put(self, token: str, value: V, expires: float) -> None:
        """Keep `value` until `expires`; an already expired entry is not kept."""
        if expires <= self._clock() or self.size <= 0:
            return
        self._keep(token, value, expires)
