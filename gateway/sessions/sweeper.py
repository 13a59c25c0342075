"""The sweeper: ends the sessions that reach their idle timeout or maximum lifetime without being
presented again, so that every session end is reported (SessionEnded), even when nobody comes back.

Each session goes on a schedule in the shared store when it is created, due at its first deadline.
Every worker claims due sessions now and then; a claim hides them from other claimers for a lease,
so that workers and instances split the work, and the claims of one that dies mid-way are taken
again later. Activity does not write to the schedule (the request path pays nothing): a claimed
session used since is put back at its new deadline. One past a deadline is ended through the
manager, whose "ended" marker (a store `add`) lets exactly one ender, in any process, publish the
event, whether a sweeper or a request presenting the session noticed first.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from gateway.stores.base import StoreUnavailable

if TYPE_CHECKING:
    from gateway.sessions.manager import SessionManager

log = logging.getLogger("gateway.sessions")

# Longer than settling a batch takes, so that a live claimer's sessions are not claimed twice.
LEASE = 60.0
BATCH = 100


def deadline(summary: Mapping[str, Any], idle_timeout: float, max_lifetime: float) -> tuple[float, str]:
    """When a session ends unless used again, and the reason it would end with."""
    # A shorter maxLifetime applies to sessions made before it was configured, as on the request path.
    lifetime_end = min(float(summary["expires"]), float(summary["created"]) + max_lifetime)
    idle_end = float(summary["last_seen"]) + idle_timeout
    return (lifetime_end, "expired") if lifetime_end <= idle_end else (idle_end, "idle_timeout")


class SessionSweeper:
    """Ends, every `interval` seconds, the sessions whose deadline has passed unseen."""

    def __init__(self, manager: SessionManager, interval: float) -> None:
        self.manager = manager
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Sweep in the background until `stop`."""
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Stop sweeping (a session being ended is left to the next sweep, by this or another worker)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task])
            self._task = None

    async def sweep(self) -> int:
        """End every session due now that another claimer does not hold; how many this call ended."""
        ended = 0
        while True:
            now = self.manager.clock()
            sids = await self.manager.records.claim_due(now, LEASE, BATCH)
            for sid in sids:
                ended += await self._settle(sid, now)
            if len(sids) < BATCH:
                return ended

    async def _settle(self, sid: str, now: float) -> bool:
        """End one claimed session, or put it back at its next deadline."""
        records = self.manager.records
        summary = await records.summary(sid, expired=True)
        if summary is None:
            # Ended and forgotten while it waited here, or kept past the grace: nothing to report.
            await records.unschedule(sid)
            return False
        try:
            due, reason = deadline(summary, self.manager.idle_timeout, self.manager.max_lifetime)
        except (KeyError, TypeError, ValueError):
            log.warning("the stored summary of session %s is unreadable; it is not swept", sid)
            await records.unschedule(sid)
            return False
        if due > now:
            await records.schedule(sid, due)
            return False
        return await self.manager.end_unseen(summary, reason)

    async def _run(self) -> None:
        # Workers started together begin at different times, so that they do not sweep in step.
        await asyncio.sleep(random.uniform(0, self.interval))
        while True:
            try:
                await self.sweep()
            except StoreUnavailable as exc:
                log.warning("sweeping expired sessions failed, retrying in %g s: %s", self.interval, exc)
            except Exception:
                # A bug met on one session must not end the sweeping for the life of the process.
                log.exception("sweeping expired sessions failed")
            await asyncio.sleep(self.interval)
