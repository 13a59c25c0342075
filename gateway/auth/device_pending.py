"""Pending device authorizations (RFC 8628) in the shared store, so that any worker or instance
can answer a poll.

The client holds a gateway handle, never the provider's device code; the store holds the record
under the handle's SHA-256, so that reading the store does not yield handles to poll with. The
lock that paces the gateway's own polls of the provider is a store `add` with the provider's
interval as its lifetime: one provider poll per interval per handle, across processes.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from gateway.stores.base import Store

# A record outlives its code a little, so that late polls get expired_token rather than invalid_grant.
GRACE_SECONDS = 300.0


@dataclass(slots=True)
class Pending:
    """One device authorization between the gateway's answer and the session it ends in."""

    provider: str
    device_code: str
    expires_at: float
    # The interval the client must keep; RFC 8628 3.5 adds 5 s to it at each slow_down.
    interval: float
    # The provider's interval for the gateway's own polls (also raised by the provider's slow_down).
    provider_interval: float
    last_poll: float | None = None
    denied: bool = False

    def dump(self) -> bytes:
        """The record as stored."""
        return json.dumps(asdict(self)).encode()

    @classmethod
    def load(cls, data: bytes) -> Self | None:
        """The stored record, or None when it is not one (written by another version)."""
        try:
            fields: Any = json.loads(data)
            return cls(**fields)
        except (ValueError, TypeError):
            return None


def new_handle() -> str:
    """The device_code handed to the client: 256 random bits, unrelated to the provider's code."""
    return secrets.token_urlsafe(32)


class PendingStore:
    """Pending authorizations by handle, and the per-handle provider poll lock."""

    def __init__(self, store: Store, prefix: str = "device:") -> None:
        self.store = store
        self.prefix = prefix

    def _key(self, handle: str) -> str:
        return self.prefix + hashlib.sha256(handle.encode()).hexdigest()

    async def get(self, handle: str) -> Pending | None:
        """The pending authorization of `handle`, if any."""
        data = await self.store.get(self._key(handle))
        return Pending.load(data) if data is not None else None

    async def put(self, handle: str, pending: Pending, now: float) -> None:
        """Store or update the record; it lives until its code expires, plus a grace period."""
        ttl = max(pending.expires_at - now, 0.0) + GRACE_SECONDS
        await self.store.set(self._key(handle), pending.dump(), ttl)

    async def delete(self, handle: str) -> None:
        """Forget the handle (its session was issued, or its code is dead)."""
        await self.store.delete(self._key(handle))

    async def lock_poll(self, handle: str, interval: float) -> bool:
        """True when this caller may poll the provider now; the right returns after `interval`."""
        return await self.store.add(self._key(handle) + ":poll", b"1", interval)

    async def extend_lock(self, handle: str, interval: float) -> None:
        """Hold the poll right for `interval` from now (after the provider asked to slow down)."""
        await self.store.set(self._key(handle) + ":poll", b"1", interval)
