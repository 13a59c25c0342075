"""A bounded map whose entries each expire at their own time, least recently used going first."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class ExpiringLru(Generic[K, V]):
    """An LRU map from key to value, each entry valid until its own expiry (per `clock`)."""

    def __init__(self, size: int, clock: Callable[[], float]) -> None:
        self.size = size
        self._clock = clock
        self._entries: OrderedDict[K, tuple[V, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K) -> V | None:
        """The value kept for `key`, or None when absent or expired."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if self._clock() >= entry[1]:
            self._remove(key)
            return None
        self._entries.move_to_end(key)
        return entry[0]

    def _keep(self, key: K, value: V, expires: float) -> None:
        """Store an entry as the most recent one, then drop the oldest past `size`."""
        self._entries[key] = (value, expires)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._remove(next(iter(self._entries)))

    def _remove(self, key: K) -> None:
        """Drop one entry; subclasses that index entries elsewhere extend this."""
        del self._entries[key]
