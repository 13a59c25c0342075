"""Device sessions by bearer token: the store keeps each under its token's SHA-256, and this
process caches them so that a repeated token costs a dictionary lookup."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

from gateway.sessions.cache import Bounded
from gateway.sessions.model import Session
from gateway.sessions.records import SessionRecords, digest

log = logging.getLogger("gateway.sessions")


class DeviceTokens:
    """Issues bearer tokens for sessions and finds sessions by token."""

    def __init__(self, records: SessionRecords, limit: int) -> None:
        self.records = records
        self._sessions: Bounded[str, Session] = Bounded(limit)  # token hash -> session
        self._handles: Bounded[str, str] = Bounded(limit)  # sid -> token hash

    async def issue(self, session: Session) -> str:
        """A new opaque token for `session`; only its hash is stored."""
        token = secrets.token_urlsafe(32)
        self._handles.put(session.id, digest(token))
        await self.save(session)
        return token

    async def find(self, token: str, stale: Callable[[Session], bool]) -> Session | None:
        """The session of `token`: cached, or from the store when unknown here or `stale`."""
        handle = digest(token)
        session = self._sessions.get(handle)
        if session is not None and not stale(session):
            return session
        try:
            session = await self.records.device(handle)
        except ValueError as exc:
            log.warning("a stored device session is unreadable: %s", exc)
            return None
        if session is not None:
            self._sessions.put(handle, session)
            self._handles.put(session.id, handle)
        return session

    async def save(self, session: Session) -> None:
        """Store the session (after a touch or new tokens) under its token's hash."""
        handle = self._handles.get(session.id)
        if handle is None:
            handle = ((await self.records.summary(session.id)) or {}).get("handle")
        if handle is None:
            raise ValueError(f"session {session.id} has no bearer token")
        self._sessions.put(handle, session)
        await self.records.save_device(handle, session)
        await self.records.save_summary(session, handle)

    def remember(self, session: Session) -> None:
        """Cache a newer copy of a session (new tokens adopted from the store)."""
        handle = self._handles.get(session.id)
        if handle is not None:
            self._sessions.put(handle, session)

    def forget(self, sid: str) -> None:
        """Drop an ended session from the cache."""
        handle = self._handles.get(sid)
        if handle is not None:
            self._sessions.pop(handle)
            self._handles.pop(sid)
