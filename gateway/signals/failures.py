"""SETs a receiver refused (RFC 8935 400) or that outlived their retries: kept for the admin view."""

from __future__ import annotations

import json
import time
from typing import Any

# Newest kept per stream; older ones are still counted in the deliveries metric.
KEEP = 1000


class FailedDeliveries:
    """A bounded list per stream in the shared store; only a stream's delivering worker writes it."""

    def __init__(self, store: Any) -> None:
        self.store = store

    async def add(self, stream: str, jti: str, err: str | None, description: str | None, made: float) -> None:
        """Record one parked SET."""
        entries = await self.list(stream)
        entry = {"jti": jti, "err": err, "description": description, "made": made, "failed": time.time()}
        entries = [*entries, entry][-KEEP:]
        await self.store.set(_key(stream), json.dumps(entries).encode())

    async def list(self, stream: str) -> list[dict[str, Any]]:
        """The parked SETs of `stream`, oldest first."""
        raw = await self.store.get(_key(stream))
        return [] if raw is None else list(json.loads(raw))


def _key(stream: str) -> str:
    return f"signals:failed:{stream}"
