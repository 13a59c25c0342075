"""The receiver: what a verified SET does here, however it came (push or poll).

A CAEP session-revoked ends the matching local sessions with reason `signal` — by `iss_sub` every
session of that user at that IdP, by `email` every session with that address, by a `complex`
subject with a `session` just that IdP session — through the session manager, whose revocation
reaches every worker and instance within a second. A repeated `jti` is acknowledged and not
processed twice; an unknown subject is acknowledged with no effect; verification and
stream-updated events are logged (SSF §8.1.4, §8.1.5).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gateway.oauth import set as sets
from gateway.oauth.set_verify import ReceivedSet, SetVerifier
from gateway.oauth.subject_ids import canonical_email
from gateway.sessions.manager import SessionManager
from gateway.sessions.model import INITIATORS
from gateway.signals.metrics import SignalMetrics

log = logging.getLogger("gateway.signals")
# How long a jti is remembered (SETs older than this are not expected to be resent).
SEEN_FOR = 7 * 86400.0


@dataclass(eq=False)
class Receiver:
    """Verifies SETs and acts on them."""

    verifier: SetVerifier
    store: Any
    sessions: Callable[[], SessionManager | None]
    metrics: SignalMetrics

    async def accept(self, token: str) -> ReceivedSet:
        """Verify and process one SET; raises SetRejected (or KeysUnavailable) when it is refused."""
        received = await self.verifier.verify(token)
        if not await self.store.add(f"signals:seen:{received.iss}:{received.jti}", b"1", SEEN_FOR):
            self.metrics.received.labels("duplicate").inc()
            return received
        self.metrics.received.labels("accepted").inc()
        for kind, event in received.events.items():
            if kind == sets.SESSION_REVOKED:
                ended = await self.revoke(received.sub_id, event)
                self.metrics.sessions_ended.inc(ended)
                log.info("SET %s from %s: session-revoked ended %d session(s)", received.jti, received.iss, ended)
            else:
                log.info("SET %s from %s: %s %s", received.jti, received.iss, kind.rsplit("/", 1)[-1], event)
        return received

    async def revoke(self, sub_id: dict[str, Any], event: dict[str, Any]) -> int:
        """End the local sessions the subject names; how many ended in this call."""
        manager = self.sessions()
        if manager is None:
            return 0
        initiator = event.get("initiating_entity")
        initiator = initiator if initiator in INITIATORS else "system"
        fmt = sub_id["format"]
        if fmt == "complex":
            user, session = sub_id.get("user"), sub_id.get("session")
            if user is None:
                return 0
            if session is not None and session["format"] == "opaque" and user["format"] == "iss_sub":
                return await manager.end_subject(
                    user["sub"], user["iss"], reason="signal", initiator=initiator, sid=session["id"]
                )
            sub_id, fmt = user, user["format"]
        if fmt == "iss_sub":
            return await manager.end_subject(sub_id["sub"], sub_id["iss"], reason="signal", initiator=initiator)
        if fmt == "email":
            return await self._end_email(manager, sub_id["email"], initiator)
        return 0

    async def _end_email(self, manager: SessionManager, email: str, initiator: str) -> int:
        ended = 0
        for sid in await manager.records.email_sessions(canonical_email(email)):
            ended += await manager.end(sid, reason="signal", initiator=initiator)
        return ended
