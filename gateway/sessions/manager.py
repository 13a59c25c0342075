"""SessionManager: creates, reads, refreshes and ends sessions for one process.

The hot path (a request with a cookie or a cached device token) decrypts or looks up, checks
the in-memory revocation list and the times, and makes no store call."""

from __future__ import annotations

import dataclasses
import logging
import math
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from aiohttp import web

from gateway.keys import EXCHANGE
from gateway.sessions.cache import Bounded, DecodedCookies
from gateway.sessions.cookies import Cookie, CookieCodec, replace_cookies
from gateway.sessions.devices import DeviceTokens
from gateway.sessions.errors import SessionStoreDown, SessionsUnavailable
from gateway.sessions.events import EventBus
from gateway.sessions.keys import derive_key
from gateway.sessions.model import INITIATORS, METHODS, REASONS, Session, SessionEnded, Tokens
from gateway.sessions.records import SessionRecords, public_summary
from gateway.sessions.refresh import Refresher, SingleFlight, refresh_shared
from gateway.sessions.revocation import RevocationList
from gateway.stores.base import StoreUnavailable

if TYPE_CHECKING:
    from gateway.sessions.settings import SessionSettings

log = logging.getLogger("gateway.sessions")
_CACHE_LIMIT = 4096
# The session's cookies found among the request's Cookie headers.
_PRESENT: web.RequestKey[dict[str, str]] = web.RequestKey("session_cookies_present")


class SessionConfig(Protocol):
    """What sessions read of the settings (`gateway.settings.Settings`)."""

    @property
    def sessions(self) -> SessionSettings: ...

    def is_trusted_proxy(self, address: str | None) -> bool: ...


class HasSessions(Protocol):
    """Anything holding the running manager (`gateway.services.Services`)."""

    @property
    def sessions(self) -> SessionManager | None: ...


class _Ending(NamedTuple):
    sid: str
    subject: str
    issuer: str
    email: str | None
    expires: float
    provider_sid: str | None = None


class SessionManager:
    """Sessions over the shared store; `key` is the master key (`keys.session_key`)."""

    def __init__(
        self,
        store: Any,
        settings: SessionConfig,
        events: EventBus,
        key: bytes,
        *,
        clock: Callable[[], float] = time.time,
        cache_size: int = _CACHE_LIMIT,
    ) -> None:
        config = settings.sessions
        self.store = store
        self.settings = settings
        self.events = events
        self.clock = clock
        self.idle_timeout: float = config.idleTimeout
        self.max_lifetime: float = config.maxLifetime
        # last_seen moves (a new cookie, a store write) at most this often, to keep writes rare.
        self.touch_interval = min(60.0, self.idle_timeout / 10)
        self.codec = CookieCodec(derive_key(key, "session cookie encryption"), config.cookieName, config.sameSite)
        # Summaries outlive their sessions as long as an expiry is still reported (see `_alive`).
        self.records = SessionRecords(store, grace=self.max_lifetime, clock=clock)
        self.revocations = RevocationList(store, self.max_lifetime, clock=clock)
        self._flights = SingleFlight()
        self.devices = DeviceTokens(self.records, _CACHE_LIMIT)
        # Decrypted cookies by their exact value: decrypting costs far more than a lookup.
        self._decoded: DecodedCookies[Session] = DecodedCookies(cache_size)
        self._ended: Bounded[str, bool] = Bounded(_CACHE_LIMIT)
        # Called with each ending (and how long to remember it) before the session is marked ended;
        # it may be called again for a session already ended, and must then do nothing.
        self.before_end: Callable[[SessionEnded, float], Awaitable[None]] | None = None

    @property
    def cached(self) -> int:
        """How many decrypted session cookies this process keeps."""
        return len(self._decoded)

    async def start(self) -> None:
        """Load the revocation list and follow its changes."""
        await self.revocations.start()

    async def stop(self) -> None:
        """Stop following revocations."""
        await self.revocations.stop()

    async def create(
        self, *, subject: str, issuer: str, provider: str, method: str, claims: Mapping[str, Any], tokens: Tokens
    ) -> Session:
        """A new session, recorded in the store (summary, subject index, and first deadline for the sweeper)."""
        if method not in METHODS:
            raise ValueError(f"method must be one of {sorted(METHODS)}, not {method!r}")
        now = self.clock()
        session = Session(
            secrets.token_urlsafe(16), subject, issuer, provider, method, dict(claims), tokens,
            now, now, now + self.max_lifetime,
        )  # fmt: skip
        await self.records.save(session)
        await self.records.schedule(session.id, min(session.expires, now + self.idle_timeout))
        return session

    def secure_for(self, request: web.BaseRequest) -> bool:
        """Whether cookies for this request get the Secure flag."""
        mode = self.settings.sessions.secure
        if mode != "auto":
            return bool(mode)
        if request.scheme == "https":
            return True
        proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
        return proto == "https" and self.settings.is_trusted_proxy(request.remote)

    def cookies_for(self, session: Session, secure: bool, request: web.BaseRequest | None = None) -> list[Cookie]:
        """Cookies carrying the session, and deletions of stale chunks (exact when `request` is given)."""
        value = self.codec.seal(session.to_record())
        self._decoded.put(value, session)
        max_age = math.ceil(session.expires - self.clock())
        present = None if request is None else self._present(request)
        return self.codec.cookies(value, secure=secure, max_age=max_age, present=present)

    def strip_cookies(self, request: web.BaseRequest) -> None:
        """Keep the session cookies from the upstream: it needs the identity, not the session."""
        found, kept = self.codec.take(request.headers.getall("Cookie", ()))
        if kept is not None:  # else no Cookie header names the session: a later look finds that fast
            # One parse per request: the session's lookup reads what was found here.
            request[_PRESENT] = found
            replace_cookies(request[EXCHANGE].edit_headers(request.headers), kept)

    def clear_cookies(self, request: web.BaseRequest) -> list[Cookie]:
        """Deletions of every session cookie the request carries."""
        return self.codec.deletions(self._present(request), secure=self.secure_for(request))

    async def from_request(self, request: web.BaseRequest) -> Session | None:
        """The live browser session of the request's cookies; None when absent, invalid or ended."""
        value = self.codec.read(self._present(request))
        if value is None:
            return None
        session = self._decoded.get(value)
        if session is None:
            session = self._decode(value)
            if session is None:
                return None
            self._decoded.put(value, session)
        # The live session needs no coroutine of its own: only ending one awaits.
        return session if self._fate(session) is None else await self._alive(session)

    async def issue_token(self, session: Session) -> str:
        """An opaque bearer token for a (device) session; the store keeps only its hash."""
        return await self.devices.issue(session)

    async def from_token(self, token: str) -> Session | None:
        """The live session of a bearer token from `issue_token`."""
        # A cached copy that looks idle is re-read: another process may have seen it since.
        session = await self.devices.find(token, stale=self._idle)
        return None if session is None else await self._alive(session)

    def touch_due(self, session: Session) -> bool:
        """Whether `touch` would record activity now (callers skip its coroutine when not)."""
        return self.clock() - session.last_seen >= self.touch_interval

    async def touch(self, session: Session) -> bool:
        """Record activity; True when last_seen moved (browser callers then set `cookies_for` again)."""
        now = self.clock()
        if now - session.last_seen < self.touch_interval:
            return False
        session.last_seen = now
        try:
            if session.method == "device":
                await self.devices.save(session)
            else:
                await self.records.save_summary(session)
        except StoreUnavailable as exc:
            log.warning("recording activity of session %s failed: %s", session.id, exc)
        return True

    async def update_tokens(self, session: Session, tokens: Tokens) -> Session:
        """The session with new tokens, saved for every process (browser callers set cookies again)."""
        updated = dataclasses.replace(session, tokens=tokens)
        await self.records.save_tokens(updated)
        if updated.method == "device":
            await self.devices.save(updated)
        return updated

    def adopt(self, session: Session, tokens: Tokens) -> Session:
        """The session with tokens another request already saved."""
        updated = dataclasses.replace(session, tokens=tokens)
        self.devices.remember(updated)
        return updated

    async def refresh_once(self, session: Session, refresher: Refresher) -> Session:
        """Refreshed tokens from one `refresher` call however many callers ask at once; a failure
        ends the session (refresh_failed) and raises SessionExpired."""
        return await self._flights.run(session.id, lambda: refresh_shared(self, session, refresher))

    async def end(
        self, session_id: str, *, reason: str, initiator: str, subject: str | None = None, issuer: str | None = None
    ) -> bool:
        """End a session by id, everywhere; True for the call that ended it (and published SessionEnded)."""
        _check(reason, initiator)
        summary = await self.records.summary(session_id)
        subject = subject or (summary or {}).get("subject")
        issuer = issuer or (summary or {}).get("issuer")
        if subject is None or issuer is None:
            # Unknown here (never made, or already gone): refuse it anyway, but there is nothing to report.
            await self.revocations.revoke_sid(session_id, self.clock() + self.max_lifetime)
            return False
        email, expires = (summary or {}).get("email"), (summary or {}).get("expires")
        deadline = expires or self.clock() + self.max_lifetime
        ending = _Ending(session_id, subject, issuer, email, deadline, (summary or {}).get("provider_sid"))
        return await self._finish(ending, summary, reason, initiator, revoke=True)

    async def end_session(self, session: Session, *, reason: str, initiator: str) -> bool:
        """End a session one holds (e.g. at logout); same as `end`, without looking it up."""
        _check(reason, initiator)
        # An expired session's summary too, so that its index entries go with it.
        summary = await self.records.summary(session.id, expired=True)
        ending = _Ending(
            session.id, session.subject, session.issuer, session.email, session.expires, session.provider_sid
        )
        # An expired session needs no revocation entry: its own expiry time refuses it.
        return await self._finish(ending, summary, reason, initiator, revoke=reason != "expired")

    async def end_unseen(self, summary: Mapping[str, Any], reason: str) -> bool:
        """End a session the sweeper found past a deadline (initiator system); True for the call that ended it."""
        _check(reason, "system")
        ending = _Ending(
            summary["sid"], summary["subject"], summary["issuer"], summary.get("email"), summary["expires"],
            summary.get("provider_sid"),
        )  # fmt: skip
        return await self._finish(ending, dict(summary), reason, "system", revoke=reason != "expired")

    async def end_subject(
        self, subject: str | None, issuer: str, *, reason: str, initiator: str, sid: str | None = None
    ) -> int:
        """End a subject's sessions (all of them; or, with `sid`, those of that provider session).
        Returns how many ended here; later-found ones are refused by the revocation all the same."""
        _check(reason, initiator)
        if sid is not None:
            sids = await self.records.provider_sessions(issuer, sid)
        elif subject is not None:
            now = self.clock()
            await self.revocations.revoke_subject(subject, issuer, now, now + self.max_lifetime)
            sids = await self.records.subject_sessions(subject, issuer)
        else:
            raise ValueError("end_subject needs a subject or a provider session id")
        ended = 0
        for one in sids:
            summary = await self.records.summary(one)
            if summary is not None and subject in (None, summary["subject"]):
                email, expires, provider_sid = summary.get("email"), summary["expires"], summary.get("provider_sid")
                ending = _Ending(one, summary["subject"], issuer, email, expires, provider_sid)
                ended += await self._finish(ending, summary, reason, initiator, revoke=sid is not None)
        return ended

    async def list_subject(self, subject: str, issuer: str) -> list[dict[str, Any]]:
        """The subject's live sessions, without tokens."""
        found = []
        for sid in await self.records.subject_sessions(subject, issuer):
            summary = await self.records.summary(sid)
            if summary is not None and not self.revocations.is_revoked(sid, subject, issuer, summary["created"]):
                found.append(public_summary(summary))
        return found

    def is_revoked(self, session: Session) -> bool:
        """Whether the session was revoked, by id or with its subject; no I/O."""
        return self.revocations.is_revoked(session.id, session.subject, session.issuer, session.created)

    def _present(self, request: web.BaseRequest) -> dict[str, str]:
        """The session's cookies of the request, parsed once (the original headers never change)."""
        found = request.get(_PRESENT)
        if found is None:
            found = request[_PRESENT] = self.codec.present(request.headers)
        return found

    def _decode(self, value: str) -> Session | None:
        record = self.codec.open(value)
        if record is None:
            return None
        try:
            session = Session.from_record(record)
        except ValueError as exc:
            log.warning("a session cookie holds an unexpected record: %s", exc)
            return None
        return session if session.method == "browser" else None

    def _idle(self, session: Session) -> bool:
        return self.clock() - session.last_seen >= self.idle_timeout

    async def _alive(self, session: Session) -> Session | None:
        """The session, unless revoked, expired or idle (the last two end it); raises while the
        revocation list may be missing entries (the store is away), failing closed."""
        fate = self._fate(session)
        if fate is None:
            return session
        if fate:
            await self._end_quietly(session, fate)
        return None

    def _fate(self, session: Session) -> str | None:
        """None for a live session; else "" (refused: revoked, ended, or expired too long ago to report)
        or the reason to end it now ("expired", "idle_timeout"). No I/O: the hot path awaits nothing."""
        if not self.revocations.current:
            raise SessionStoreDown(f"session {session.id[:8]}…: the revocation list is not current")
        if self.revocations.is_revoked(session.id, session.subject, session.issuer, session.created):
            return ""
        if self._ended.get(session.id):
            return ""
        now = self.clock()
        # A shorter maxLifetime applies to sessions made before it was configured.
        late = now - min(session.expires, session.created + self.max_lifetime)
        if late >= 0:
            # Reported when first presented; one older than the end markers are kept is just refused.
            return "expired" if late < self.max_lifetime else ""
        return "idle_timeout" if now - session.last_seen >= self.idle_timeout else None

    async def _end_quietly(self, session: Session, reason: str) -> None:
        """End a session the system found dead; a store failure is logged, the request goes on."""
        self._ended.put(session.id, True)
        try:
            await self.end_session(session, reason=reason, initiator="system")
        except StoreUnavailable as exc:
            log.warning("ending session %s (%s) failed: %s", session.id, reason, exc)

    async def _finish(
        self, ending: _Ending, summary: dict[str, Any] | None, reason: str, initiator: str, *, revoke: bool
    ) -> bool:
        # Kept past the session's expiry, so that its cookie presented later is not reported again.
        keep = max(ending.expires - self.clock(), 0.0) + self.max_lifetime
        at, psid = self.clock(), ending.provider_sid
        event = SessionEnded(ending.sid, ending.subject, ending.issuer, ending.email, reason, initiator, at, psid)
        if self.before_end is not None:
            # A journal (the signals outbox) writes first, so that a crash right after marking loses nothing.
            await self.before_end(event, keep)
        if not await self.records.mark_ended(ending.sid, reason, keep):
            return False
        self._ended.put(ending.sid, True)
        if revoke:
            # No session outlives now + maxLifetime (a shorter one applies to older sessions too).
            await self.revocations.revoke_sid(ending.sid, min(ending.expires, self.clock() + self.max_lifetime))
        await self.records.forget(ending.sid, summary)
        self.devices.forget(ending.sid)
        log.info("session %s of %s ended: %s by %s", ending.sid, ending.subject, reason, initiator)
        await self.events.publish(event)
        return True


def _check(reason: str, initiator: str) -> None:
    if reason not in REASONS:
        raise ValueError(f"reason must be one of {sorted(REASONS)}, not {reason!r}")
    if initiator not in INITIATORS:
        raise ValueError(f"initiator must be one of {sorted(INITIATORS)}, not {initiator!r}")


def sessions_of(services: HasSessions) -> SessionManager:
    """The running SessionManager; SessionsUnavailable (503) before startup or after shutdown."""
    if services.sessions is None:
        raise SessionsUnavailable("sessions are not started")
    return services.sessions
