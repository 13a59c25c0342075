"""The decision cache of one PolicyEnforcementFilter, in this process.

Keyed by the whole question; permits live up to `ttl` (a shorter TTL from the PDP wins), denies
for `deny_ttl`; bounded in entries, least recently used going first. Entries are indexed by
subject so that a session's end drops them at once. Concurrent identical questions share one PDP
call (single flight). Per process by design: a decision is cheap to recompute, and a shared cache
would put a network round trip where a dictionary lookup is."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable

from gateway.lru import ExpiringLru
from gateway.policy.decision import Decision


class DecisionCache(ExpiringLru[Hashable, Decision]):
    """LRU of decisions with per-entry expiry, a subject index, and single flight."""

    def __init__(self, size: int, ttl: float, deny_ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(size, clock)
        self.ttl, self.deny_ttl = ttl, deny_ttl
        self._subject_of: dict[Hashable, str] = {}
        self._by_subject: dict[str, set[Hashable]] = {}
        self._flights: dict[Hashable, asyncio.Future[Decision]] = {}

    def put(self, key: Hashable, subject: str, decision: Decision) -> None:
        """Keep a decision for its TTL (the PDP's, if shorter)."""
        ttl = self.ttl if decision.allowed else self.deny_ttl
        if decision.ttl is not None:
            ttl = min(ttl, decision.ttl)
        if ttl <= 0 or self.size <= 0:
            return
        if key in self._entries:
            self._remove(key)
        self._subject_of[key] = subject
        self._by_subject.setdefault(subject, set()).add(key)
        self._keep(key, decision, self._clock() + ttl)

    def clear(self) -> None:
        """Forget every decision (the policies changed)."""
        self._entries.clear()
        self._subject_of.clear()
        self._by_subject.clear()

    def drop_subject(self, subject: str) -> int:
        """Forget every decision about `subject`; the number dropped."""
        keys = self._by_subject.pop(subject, set())
        for key in keys:
            self._entries.pop(key, None)
            self._subject_of.pop(key, None)
        return len(keys)

    async def fetch(self, key: Hashable, subject: str, ask: Callable[[], Awaitable[Decision]]) -> tuple[Decision, str]:
        """(decision, source): from the cache, from a call in flight, or from `ask` (then cached)."""
        found = self.get(key)
        if found is not None:
            return found, "cache"
        flight = self._flights.get(key)
        if flight is not None:
            return await asyncio.shield(flight), "cache"
        future: asyncio.Future[Decision] = asyncio.get_running_loop().create_future()
        self._flights[key] = future
        try:
            decision = await ask()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as error:
            future.set_exception(error)
            future.exception()  # marked retrieved: waiters, if any, get it too
            raise
        finally:
            self._flights.pop(key, None)
        future.set_result(decision)
        self.put(key, subject, decision)
        return decision, "pdp"

    def _remove(self, key: Hashable) -> None:
        self._entries.pop(key, None)
        subject = self._subject_of.pop(key, None)
        if subject is not None:
            keys = self._by_subject.get(subject)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_subject[subject]
