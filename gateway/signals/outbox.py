"""The durable outbox: SETs waiting for their receiver, per stream, in the order they were made.

An entry holds the SET's claims, fixed when the session ended (jti, iat, txn, sub_id, events,
aud): the signals process signs them when it delivers, the poll endpoint when it serves them, so
that a session end costs its worker only this write. (Entries written before keep their token.)

It lives in the shared store — the embedded store is a SQLite file in WAL mode in the state folder,
the Redis store a sorted set per stream — so a SET written here survives a `kill -9` and any worker
or instance can deliver it. Each SET is a value (`signals:set:<stream>:<seq>`) and a member of the
stream's schedule (`signals:outbox:<stream>`) whose score is its sequence time, never changed, so
that the schedule always reads oldest first; reading never rewrites it. A SET leaves only when
delivery is confirmed (push 202, poll ack) or it is parked as failed.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

WAKE_CHANNEL = "signals:outbox"


@dataclass(frozen=True, slots=True)
class Pending:
    """One SET in the outbox."""

    seq: str
    jti: str
    claims: dict[str, Any] | None
    made: float
    token: str | None = None


class Outbox:
    """SETs per stream over a Store (see `gateway/stores/base.py`)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self._last = 0

    def _next_seq(self) -> tuple[str, float]:
        # Nanoseconds, increasing within this process; the jti suffix keeps workers' keys apart.
        now = max(time.time_ns(), self._last + 1)
        self._last = now
        return f"{now:020d}", now / 1e9

    async def put(self, stream: str, claims: dict[str, Any], *, polled: bool = False) -> str:
        """Keep a SET's claims until it is delivered; returns its sequence key. A `polled` stream's
        SETs are also found by jti, for the receiver's acknowledgements."""
        seq, made = self._next_seq()
        jti = str(claims["jti"])
        seq = f"{seq}.{jti}"
        record = {"jti": jti, "claims": claims, "made": made}
        await self.store.set(_item(stream, seq), json.dumps(record).encode())
        if polled:
            await self.store.set(_jti(stream, jti), seq.encode())
        await self.store.schedule(_queue(stream), seq, made)
        return seq

    async def wake(self, stream: str) -> None:
        """Tell every process that `stream` has new SETs."""
        await self.store.publish(WAKE_CHANNEL, stream.encode())

    async def peek(self, stream: str, limit: int) -> list[Pending]:
        """The oldest `limit` SETs of `stream`, left in place."""
        found = []
        for seq in await self.store.earliest(_queue(stream), limit):
            raw = await self.store.get(_item(stream, seq))
            if raw is None:
                # Removed between the two reads (delivered by another worker, or acknowledged).
                continue
            record = json.loads(raw)
            found.append(Pending(seq, record["jti"], record.get("claims"), record["made"], record.get("token")))
        found.sort(key=lambda p: p.seq)
        return found

    async def depth(self, stream: str) -> int:
        """How many SETs of `stream` wait in the outbox."""
        return int(await self.store.count(_queue(stream)))

    async def remove(self, stream: str, seq: str, jti: str | None = None) -> None:
        """Forget a delivered (or parked) SET; with its `jti` when it was put `polled`."""
        await self.store.unschedule(_queue(stream), seq)
        await self.store.delete(_item(stream, seq))
        if jti is not None:
            await self.store.delete(_jti(stream, jti))

    async def ack(self, stream: str, jti: str) -> bool:
        """Remove the SET with this `jti` (a poll acknowledgement); False when it is not pending."""
        raw = await self.store.get(_jti(stream, jti))
        if raw is not None:
            await self.remove(stream, raw.decode(), jti)
            return True
        # Made while the stream was a push stream (no jti index): look among the pending ones.
        found = next((p for p in await self.peek(stream, 1000) if p.jti == jti), None)
        if found is not None:
            await self.remove(stream, found.seq)
        return found is not None


def _queue(stream: str) -> str:
    return f"signals:outbox:{stream}"


def _item(stream: str, seq: str) -> str:
    return f"signals:set:{stream}:{seq}"


def _jti(stream: str, jti: str) -> str:
    return f"signals:jti:{stream}:{jti}"
