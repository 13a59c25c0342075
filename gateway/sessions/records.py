"""What the shared store keeps about sessions: a summary per session (for the admin API and for
ending a session by id), an index of each subject's sessions, device sessions by token hash,
refreshed tokens, the "already ended" markers, and the schedule of deadlines the sweeper follows.

A summary outlives its session by `grace`, so that the sweeper can still report a session that
expired while no sweeper ran; readers other than the sweeper see only live sessions' summaries.

Browser sessions live in their cookie; the store never holds their tokens except after a refresh,
so that a request still carrying the old cookie uses the new tokens instead of refreshing again."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from gateway.sessions.locks import store_lock
from gateway.sessions.model import Session, Tokens

_DEADLINES = "sessions:deadlines"
_SUMMARY_FIELDS = ("sid", "subject", "issuer", "provider", "method", "created", "last_seen", "expires", "email")


def digest(*parts: str) -> str:
    """A fixed-length store key part for arbitrary text (subjects, issuers, tokens)."""
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class SessionRecords:
    """Session data kept in the store, under keys starting with `sessions:`."""

    def __init__(self, store: Any, *, grace: float = 0.0, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.grace = grace
        self.clock = clock

    async def save(self, session: Session, handle: str | None = None) -> None:
        """Write the summary and index it by subject (and by the provider's session id)."""
        await self.save_summary(session, handle)
        await self._index(_subject_key(session.subject, session.issuer), session.id, session.expires)
        if session.provider_sid:
            await self._index(_provider_key(session.issuer, session.provider_sid), session.id, session.expires)
        if session.email:
            await self._index(_email_key(session.email), session.id, session.expires)

    async def save_summary(self, session: Session, handle: str | None = None) -> None:
        """The summary: who, how, when, and the device handle's hash."""
        summary = {
            "sid": session.id,
            "subject": session.subject,
            "issuer": session.issuer,
            "provider": session.provider,
            "method": session.method,
            "created": session.created,
            "last_seen": session.last_seen,
            "expires": session.expires,
            "email": session.email,
            "provider_sid": session.provider_sid,
            "handle": handle,
        }
        await self._put(f"sessions:summary:{session.id}", summary, session.expires + self.grace)

    async def summary(self, sid: str, *, expired: bool = False) -> dict[str, Any] | None:
        """The summary of a live session (with `expired`, also of one past its expiry but not yet forgotten)."""
        summary = _json(await self.store.get(f"sessions:summary:{sid}"))
        if not isinstance(summary, dict):
            return None
        return summary if expired or summary["expires"] > self.clock() else None

    async def subject_sessions(self, subject: str, issuer: str) -> list[str]:
        """Ids of the subject's sessions that have not expired."""
        return self._live(_json(await self.store.get(_subject_key(subject, issuer))))

    async def provider_sessions(self, issuer: str, provider_sid: str) -> list[str]:
        """Ids of the sessions made from one provider session."""
        return self._live(_json(await self.store.get(_provider_key(issuer, provider_sid))))

    async def email_sessions(self, email: str) -> list[str]:
        """Ids of the live sessions whose subject has this email (domain compared case-insensitively)."""
        return self._live(_json(await self.store.get(_email_key(email))))

    async def forget(self, sid: str, summary: dict[str, Any] | None) -> None:
        """Remove an ended session's records, index entries and deadline."""
        await self.store.delete(f"sessions:summary:{sid}")
        await self.store.delete(f"sessions:tokens:{sid}")
        await self.unschedule(sid)
        if summary is None:
            return
        if summary.get("handle"):
            await self.store.delete(f"sessions:device:{summary['handle']}")
        await self._unindex(_subject_key(summary["subject"], summary["issuer"]), sid)
        if summary.get("provider_sid"):
            await self._unindex(_provider_key(summary["issuer"], summary["provider_sid"]), sid)
        if summary.get("email"):
            await self._unindex(_email_key(summary["email"]), sid)

    async def save_device(self, handle: str, session: Session) -> None:
        """A device session, whole, under the hash of its bearer token."""
        await self._put(f"sessions:device:{handle}", session.to_record(), session.expires)

    async def device(self, handle: str) -> Session | None:
        """The device session whose token hashes to `handle`."""
        record = _json(await self.store.get(f"sessions:device:{handle}"))
        return None if record is None else Session.from_record(record)

    async def save_tokens(self, session: Session) -> None:
        """The session's current tokens, for every process to pick up after a refresh."""
        await self._put(f"sessions:tokens:{session.id}", session.tokens.to_list(), session.expires)

    async def tokens(self, sid: str) -> Tokens | None:
        """The tokens last saved for a session."""
        data = _json(await self.store.get(f"sessions:tokens:{sid}"))
        return None if data is None else Tokens.from_list(data)

    async def schedule(self, sid: str, due: float) -> None:
        """When the sweeper should next look at the session (its next deadline)."""
        await self.store.schedule(_DEADLINES, sid, due)

    async def claim_due(self, now: float, lease: float, limit: int) -> list[str]:
        """Ids of sessions whose deadline has come, each hidden from other claimers for `lease` seconds."""
        return list(await self.store.claim_due(_DEADLINES, now, lease, limit))

    async def unschedule(self, sid: str) -> None:
        """Drop the session's deadline (it ended)."""
        await self.store.unschedule(_DEADLINES, sid)

    async def mark_ended(self, sid: str, reason: str, keep: float) -> bool:
        """True for the one caller, in any process, that ends the session."""
        return bool(await self.store.add(f"sessions:ended:{sid}", reason.encode(), ttl=keep))

    async def is_ended(self, sid: str) -> bool:
        """Whether the session was ended (by any process)."""
        return await self.store.get(f"sessions:ended:{sid}") is not None

    async def _put(self, key: str, value: Any, expires: float) -> None:
        ttl = expires - self.clock()
        if ttl > 0:
            await self.store.set(key, json.dumps(value).encode(), ttl=ttl)

    async def _index(self, key: str, sid: str, expires: float) -> None:
        async with store_lock(self.store, f"{key}:lock"):
            index = {s: e for s, e in (_json(await self.store.get(key)) or {}).items() if e > self.clock()}
            index[sid] = expires
            await self._put(key, index, max(index.values()))

    async def _unindex(self, key: str, sid: str) -> None:
        async with store_lock(self.store, f"{key}:lock"):
            index = _json(await self.store.get(key)) or {}
            if index.pop(sid, None) is None:
                return
            if index:
                await self._put(key, index, max(index.values()))
            else:
                await self.store.delete(key)

    def _live(self, index: dict[str, float] | None) -> list[str]:
        now = self.clock()
        return [sid for sid, expires in (index or {}).items() if expires > now]


def public_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """A summary as the admin API shows it: no token hashes, nothing secret."""
    return {k: summary.get(k) for k in _SUMMARY_FIELDS}


def _subject_key(subject: str, issuer: str) -> str:
    return f"sessions:subject:{digest(issuer, subject)}"


def _provider_key(issuer: str, provider_sid: str) -> str:
    return f"sessions:provider-sid:{digest(issuer, provider_sid)}"


def _email_key(email: str) -> str:
    # RFC 9493 3.2.2: the domain is case-insensitive; the local part is kept as given.
    local, _, domain = email.strip().rpartition("@")
    return f"sessions:email:{digest(local + '@' + domain.lower())}"


def _json(data: bytes | None) -> Any:
    return None if data is None else json.loads(data)
