"""Refreshing a session's tokens once, however many requests ask at the same moment.

In a process, concurrent callers share one task. Across processes, a short lock in the store
elects one refresher; the others wait and adopt the tokens it saved. A request that still
carries the old tokens after a refresh adopts the saved ones too, instead of spending the
already-rotated refresh token (which would fail and log the user out)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from gateway.sessions.errors import SessionExpired

if TYPE_CHECKING:
    from gateway.sessions.model import Session, Tokens
    from gateway.sessions.records import SessionRecords

T = TypeVar("T")
Refresher = Callable[["Session"], Awaitable["Tokens"]]

REFRESH_LOCK_TTL = 15.0
_PAUSE = 0.05


class SingleFlight:
    """At most one running call per key in this process; concurrent callers await the same one."""

    def __init__(self) -> None:
        self._running: dict[str, asyncio.Future[Any]] = {}

    async def run(self, key: str, work: Callable[[], Awaitable[T]]) -> T:
        """The result of the running call for `key`, starting `work` when there is none."""
        task = self._running.get(key)
        if task is None:
            task = asyncio.ensure_future(work())
            self._running[key] = task
            task.add_done_callback(partial(self._done, key))
        # Shielded: a caller that gives up does not cancel the call the others wait for.
        return cast("T", await asyncio.shield(task))

    def _done(self, key: str, task: asyncio.Future[Any]) -> None:
        if self._running.get(key) is task:
            del self._running[key]
        if not task.cancelled():
            task.exception()  # retrieved here, in case every caller went away


class Sessions(Protocol):
    """What a shared refresh uses of the manager (`gateway.sessions.manager.SessionManager`)."""

    store: Any
    records: SessionRecords

    def is_revoked(self, session: Session) -> bool: ...
    def adopt(self, session: Session, tokens: Tokens) -> Session: ...
    async def end_session(self, session: Session, *, reason: str, initiator: str) -> bool: ...
    async def update_tokens(self, session: Session, tokens: Tokens) -> Session: ...


async def refresh_shared(manager: Sessions, session: Session, refresher: Refresher) -> Session:
    """Refresh once across the processes sharing the store."""
    lock = f"sessions:refresh:{session.id}"
    deadline = time.monotonic() + 2 * REFRESH_LOCK_TTL
    while True:
        adopted = await _saved(manager, session)
        if adopted is not None:
            return adopted
        if await manager.store.add(lock, b"1", ttl=REFRESH_LOCK_TTL):
            try:
                # Checked again under the lock: a refresh may have finished since the first look.
                return await _saved(manager, session) or await _refresh(manager, session, refresher)
            finally:
                await manager.store.delete(lock)
        if time.monotonic() > deadline:
            raise SessionExpired(f"session {session.id}: another refresh did not finish")
        await asyncio.sleep(_PAUSE)


async def _saved(manager: Sessions, session: Session) -> Session | None:
    """The session with tokens saved by a refresh it has not seen yet; raises if it ended."""
    if manager.is_revoked(session) or await manager.records.is_ended(session.id):
        raise SessionExpired(f"session {session.id} has ended")
    tokens = await manager.records.tokens(session.id)
    if tokens is None or tokens == session.tokens:
        return None
    return manager.adopt(session, tokens)


async def _refresh(manager: Sessions, session: Session, refresher: Refresher) -> Session:
    try:
        tokens = await refresher(session)
    except Exception as exc:
        await manager.end_session(session, reason="refresh_failed", initiator="system")
        raise SessionExpired(f"session {session.id}: refreshing its tokens failed: {exc}") from exc
    return await manager.update_tokens(session, tokens)
