"""The revocation list: kept in the shared store (so it survives a restart, and Redis shares it)
and mirrored in every process, so that checking a session is a dictionary lookup.

Two kinds of entry: a session id, and "sessions of (subject, issuer) created at or before T".
Each entry is needed until the sessions it refuses expire, at most `horizon` (the longest session
lifetime) from now; the stored list is split into buckets by that time, so that a write rewrites
one bucket and old buckets expire by themselves. Processes learn of new entries through the
store's pub/sub within a fraction of a second, and re-read the buckets now and then in case a
message was lost. While the subscription is broken, and after it is restored until the stored
list has been read again, the list is not `current`: sessions are then refused (fail closed)
rather than checked against a list that may miss a revocation."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from gateway.sessions.locks import store_lock
from gateway.stores.base import StoreUnavailable, Subscription

log = logging.getLogger("gateway.sessions")

CHANNEL = "sessions:revoked"
LIST_KEY = "sessions:revocations"
RESYNC_SECONDS = 30.0
CATCH_UP_SECONDS = 0.1
_BUCKETS = 16


class RevocationList:
    """Revoked sessions, in memory and in the store."""

    def __init__(self, store: Any, horizon: float, *, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.horizon = horizon
        self.clock = clock
        self.width = max(3600.0, horizon / _BUCKETS)
        self._sids: dict[str, float] = {}  # sid -> when the entry may be forgotten
        self._subjects: dict[tuple[str, str], tuple[float, float]] = {}  # (sub, iss) -> (before, until)
        self._subscription: Subscription | None = None
        self._synced = 0  # the subscription's `restores` when the stored list was last read
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def current(self) -> bool:
        """Whether no revocation can be missing: subscribed, and read again since the last restore."""
        sub = self._subscription
        return sub is not None and sub.connected and sub.restores == self._synced

    def is_revoked(self, sid: str, subject: str, issuer: str, created: float) -> bool:
        """Whether a session is revoked; no I/O."""
        if sid in self._sids:
            return True
        entry = self._subjects.get((subject, issuer))
        return entry is not None and created <= entry[0]

    async def revoke_sid(self, sid: str, until: float) -> None:
        """Revoke one session; the entry is kept until `until` (when the session would expire anyway)."""
        await self._add({"sid": sid, "until": until})

    async def revoke_subject(self, subject: str, issuer: str, before: float, until: float) -> None:
        """Revoke every session of a subject created at or before `before`."""
        await self._add({"sub": subject, "iss": issuer, "before": before, "until": until})

    async def start(self) -> None:
        """Subscribe, then load the stored list, so that no revocation falls in between."""
        self._subscription = self.store.subscribe(CHANNEL)
        await self._subscription.start()
        await self.reload()
        tasks = (self._listen(), self._resync(), self._catch_up())
        self._tasks = [asyncio.create_task(task) for task in tasks]

    async def stop(self) -> None:
        """Stop listening."""
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks)
        self._tasks = []
        if self._subscription is not None:
            await self._subscription.aclose()

    async def reload(self) -> None:
        """Merge the stored entries into memory and forget expired ones."""
        now = self.clock()
        first, last = int(now // self.width), int((now + self.horizon) // self.width)
        for bucket in range(first, last + 1):
            for entry in _entries(await self.store.get(f"{LIST_KEY}:{bucket}")):
                self._apply(entry)
        self._prune()

    async def _add(self, entry: dict[str, Any]) -> None:
        self._apply(entry)
        bucket = int(entry["until"] // self.width)
        key = f"{LIST_KEY}:{bucket}"
        async with store_lock(self.store, f"{key}:lock"):
            ttl = (bucket + 1) * self.width - self.clock()
            if ttl > 0:  # else every session it names has expired already
                entries = [*_entries(await self.store.get(key)), entry]
                await self.store.set(key, json.dumps(entries).encode(), ttl=ttl)
        await self.store.publish(CHANNEL, json.dumps(entry).encode())

    def _apply(self, entry: dict[str, Any]) -> None:
        until = float(entry["until"])
        if "sid" in entry:
            self._sids[str(entry["sid"])] = max(until, self._sids.get(str(entry["sid"]), 0.0))
            return
        key = (str(entry["sub"]), str(entry["iss"]))
        before, old_until = self._subjects.get(key, (float("-inf"), 0.0))
        self._subjects[key] = (max(before, float(entry["before"])), max(until, old_until))

    def _prune(self) -> None:
        now = self.clock()
        self._sids = {sid: until for sid, until in self._sids.items() if until > now}
        self._subjects = {key: entry for key, entry in self._subjects.items() if entry[1] > now}

    async def _listen(self) -> None:
        assert self._subscription is not None
        async for message in self._subscription:
            for entry in _entries(b"[" + message + b"]"):
                self._apply(entry)

    async def _resync(self) -> None:
        while True:
            await asyncio.sleep(RESYNC_SECONDS)
            try:
                await self.reload()
            except StoreUnavailable as exc:
                log.warning("re-reading the revocation list failed: %s", exc)

    async def _catch_up(self) -> None:
        """After the subscription is restored, read the stored list again (what was published meanwhile)."""
        assert self._subscription is not None
        while True:
            await asyncio.sleep(CATCH_UP_SECONDS)
            restores = self._subscription.restores
            if restores == self._synced or not self._subscription.connected:
                continue
            try:
                await self.reload()
            except StoreUnavailable as exc:
                log.warning("re-reading the revocation list after a reconnect failed: %s", exc)
                continue
            self._synced = restores
            log.info("revocation list read again after the store came back")


def _entries(data: bytes | None) -> list[dict[str, Any]]:
    """Well-formed entries of a stored list (a damaged list or entry is skipped, and logged)."""
    if data is None:
        return []
    try:
        items = json.loads(data)
    except ValueError:
        log.error("the stored revocation list is not JSON; ignoring it")
        return []
    return [item for item in items if isinstance(item, dict) and _valid(item)] if isinstance(items, list) else []


def _valid(entry: dict[str, Any]) -> bool:
    if not isinstance(entry.get("until"), int | float):
        return False
    if "sid" in entry:
        return isinstance(entry["sid"], str)
    return all(isinstance(entry.get(k), str) for k in ("sub", "iss")) and isinstance(entry.get("before"), int | float)
