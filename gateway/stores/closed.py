"""The store a process has before its real one opens: every call raises StoreUnavailable."""

from __future__ import annotations

from typing import NoReturn

from gateway.stores.base import StoreUnavailable, Subscription, Take


class ClosedStore:
    """Stands in for the shared store outside the app's lifetime, so that `Services.store` is never None."""

    def _closed(self) -> NoReturn:
        raise StoreUnavailable("the store is not open")

    async def take(self, key: str, capacity: int, period: float, cost: int = 1) -> Take:
        """Raise: not open."""
        self._closed()

    async def get(self, key: str) -> bytes | None:
        """Raise: not open."""
        self._closed()

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        """Raise: not open."""
        self._closed()

    async def add(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        """Raise: not open."""
        self._closed()

    async def delete(self, key: str) -> None:
        """Raise: not open."""
        self._closed()

    async def schedule(self, key: str, member: str, due: float) -> None:
        """Raise: not open."""
        self._closed()

    async def claim_due(self, key: str, now: float, lease: float, limit: int) -> list[str]:
        """Raise: not open."""
        self._closed()

    async def unschedule(self, key: str, member: str) -> None:
        """Raise: not open."""
        self._closed()

    async def earliest(self, key: str, limit: int) -> list[str]:
        """Raise: not open."""
        self._closed()

    async def count(self, key: str) -> int:
        """Raise: not open."""
        self._closed()

    async def lease(self, key: str, holder: bytes, ttl: float) -> bool:
        """Raise: not open."""
        self._closed()

    async def release(self, key: str, holder: bytes) -> None:
        """Raise: not open."""
        self._closed()

    async def publish(self, channel: str, message: bytes) -> None:
        """Raise: not open."""
        self._closed()

    def subscribe(self, channel: str) -> Subscription:
        """Raise: not open."""
        self._closed()

    async def close(self) -> None:
        """Nothing to release."""
