"""A small bounded mapping that forgets its oldest entries first."""

from __future__ import annotations

from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Bounded(Generic[K, V]):
    """At most `limit` entries; adding one more drops the oldest."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._items: dict[K, V] = {}

    def get(self, key: K) -> V | None:
        """The value of `key`, or None."""
        return self._items.get(key)

    def put(self, key: K, value: V) -> None:
        """Keep `value` under `key`."""
        if key not in self._items and len(self._items) >= self.limit:
            del self._items[next(iter(self._items))]
        self._items[key] = value

    def pop(self, key: K) -> None:
        """Forget `key`."""
        self._items.pop(key, None)

    def __len__(self) -> int:
        return len(self._items)
