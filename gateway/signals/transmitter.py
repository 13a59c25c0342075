"""The transmitter: every session end becomes one CAEP session-revoked SET per stream, its claims
written to the outbox (signed later, off the serving workers, by `signing.SetSigning`) before the
session manager even marks the session ended (its `before_end` hook), so that a `kill -9` at any
moment loses no SET; a marker per session keeps it to one (two ends racing, or a crash between
queueing and marking, may give a duplicate, never a loss).

A session ended by a received signal is not transmitted again, so two gateways that subscribe to
each other never echo one revocation back and forth."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from gateway.oauth import set as sets
from gateway.oauth.set import SetSigner
from gateway.oauth.subject_ids import complex_subject, email, iss_sub, opaque
from gateway.sessions.model import SessionEnded
from gateway.signals.outbox import Outbox
from gateway.signals_settings import StreamSettings

log = logging.getLogger("gateway.signals")

# reason_admin per session-end reason (CAEP §3.1: a human-readable reason for administrators).
REASON_TEXT = {
    "logout": "The user logged out",
    "admin_revoked": "An administrator revoked the session",
    "backchannel_logout": "The identity provider ended the session (back-channel logout)",
    "refresh_failed": "The identity provider refused to refresh the session's tokens",
    "expired": "The session reached its maximum lifetime",
    "idle_timeout": "The session was idle too long",
}


def subject_of(event: SessionEnded, fmt: str) -> dict[str, Any] | None:
    """The stream's sub_id for the ended session; None when the format needs what the session lacks."""
    user = iss_sub(event.issuer, event.subject)
    if fmt == "email":
        return email(event.email) if event.email else None
    if fmt == "iss_sub":
        return user
    return complex_subject(user, opaque(event.provider_sid) if event.provider_sid else None)


class Transmitter:
    """Queues SETs for the enabled and paused streams (disabled ones drop them)."""

    def __init__(self, signer: SetSigner, outbox: Outbox, streams: Callable[[], list[StreamSettings]]) -> None:
        self.signer = signer
        self.outbox = outbox
        self.streams = streams
        self.queued: Callable[[str], None] = lambda stream: None

    async def before_end(self, event: SessionEnded, keep: float) -> None:
        """Queue one SET per stream for a session about to end (once per session; none for a signal's)."""
        if event.reason == "signal":
            return
        # The manager calls this before it marks the session ended, and again for a repeated end. The
        # marker is set after the SETs are queued: a crash in between gives a duplicate, never a loss.
        marker = f"signals:ending:{event.session_id}"
        if await self.outbox.store.get(marker) is not None:
            return
        await self.on_session_ended(event)
        await self.outbox.store.set(marker, b"1", keep)

    async def on_session_ended(self, event: Any) -> None:
        """Queue one SET per stream for a session end (not for one a signal caused)."""
        if not isinstance(event, SessionEnded) or event.reason == "signal":
            return
        reason = REASON_TEXT.get(event.reason, event.reason)
        body = sets.session_revoked(event.at, event.initiator, reason)
        for stream in self.streams():
            if stream.status == "disabled":
                continue
            sub_id = subject_of(event, stream.subjectFormat)
            if sub_id is None:
                log.info("stream %s: session %s has no %s subject; no SET", stream.id, event.session_id, "email")
                continue
            await self.queue(stream, sub_id, body)

    async def queue(self, stream: StreamSettings, sub_id: dict[str, Any], events: dict[str, Any]) -> str:
        """Keep the claims of a SET for `stream` in the outbox; returns its jti."""
        claims = self.signer.claims(stream.aud, sub_id, events)
        if stream.iss:
            claims["iss"] = stream.iss
        await self.outbox.put(stream.id, claims, polled=not stream.endpoint)
        self.queued(stream.id)
        await self.outbox.wake(stream.id)
        return str(claims["jti"])
