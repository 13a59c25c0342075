"""A small bounded mapping that forgets its least recently used entries first."""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Bounded(Generic[K, V]):
    """At most `limit` entries; adding one more drops the least recently used (read or written)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        """The value of `key`, or None."""
        value = self._items.get(key)
        if value is not None:
            # Used entries stay: a busy session is not dropped for one made later and never sent back.
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        """Keep `value` under `key`."""
        self._items[key] = value
        self._items.move_to_end(key)
        if len(self._items) > self.limit:
            self._items.popitem(last=False)

    def pop(self, key: K) -> None:
        """Forget `key`."""
        self._items.pop(key, None)

    def __len__(self) -> int:
        return len(self._items)
