"""Small bounded mappings that forget their least recently used entries first."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Generic, TypeVar

from gateway.sessions.cookies import CHUNK_BYTES

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


class DecodedCookies(Generic[V]):
    """What sealed cookie values decrypted to, for values seen again exactly (at most `limit`).

    Found by the value's last characters (a compact JWE ends with its authentication tag), then
    compared whole: hashing a value of some kilobytes on every request costs more than the compare.
    A value too large for one cookie is kept as a digest, so that large sessions cost little memory."""

    def __init__(self, limit: int) -> None:
        self._items: Bounded[str, tuple[str | bytes, V]] = Bounded(limit)

    def get(self, value: str) -> V | None:
        """What `value` decrypted to, if kept."""
        entry = self._items.get(value[-_TAIL:])
        return entry[1] if entry is not None and entry[0] == _exact(value) else None

    def put(self, value: str, decoded: V) -> None:
        """Keep what `value` decrypted to."""
        self._items.put(value[-_TAIL:], (_exact(value), decoded))

    def __len__(self) -> int:
        return len(self._items)


# Longer than a JWE's authentication tag (22 characters in base64url), which is unique per encryption.
_TAIL = 32


def _exact(value: str) -> str | bytes:
    return value if len(value) <= CHUNK_BYTES else hashlib.blake2b(value.encode(), digest_size=16).digest()
