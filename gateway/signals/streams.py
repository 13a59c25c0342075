"""The streams a transmitter serves: configured ones (gateway.yaml, stream files, environment) and
ones made through the SSF stream management API, which are kept in the shared store so that they
survive a restart and every worker and instance sees them."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from gateway.signals_settings import StreamSettings

log = logging.getLogger("gateway.signals")
CHANGED = "signals:streams:changed"
_INDEX = "signals:streams"


class Streams:
    """Every stream by id; `configured` ones are fixed, API-made ones live in the store."""

    def __init__(self, store: Any, configured: Iterable[StreamSettings]) -> None:
        self.store = store
        self._configured = {s.id: s for s in configured}
        self._made: dict[str, StreamSettings] = {}
        # Status changes of configured streams (paused, disabled) are kept in the store too.
        self._status: dict[str, str] = {}

    def all(self) -> list[StreamSettings]:
        """Every stream, with its current status."""
        found = [self._with_status(s) for s in self._configured.values()]
        return found + list(self._made.values())

    def get(self, stream_id: str) -> StreamSettings | None:
        """One stream by id."""
        if stream_id in self._configured:
            return self._with_status(self._configured[stream_id])
        return self._made.get(stream_id)

    def is_configured(self, stream_id: str) -> bool:
        """Whether the stream comes from configuration (not from the API)."""
        return stream_id in self._configured

    async def load(self) -> None:
        """Read the API-made streams and status changes from the store."""
        raw = await self.store.get(_INDEX)
        doc = json.loads(raw) if raw else {}
        made = {}
        for entry in doc.get("streams", []):
            try:
                stream = StreamSettings.model_validate(entry)
            except ValueError as exc:
                log.warning("ignoring a stored stream: %s", exc)
                continue
            made[stream.id] = stream
        self._made = made
        self._status = {k: v for k, v in doc.get("status", {}).items() if k in self._configured}

    async def save(self, stream: StreamSettings) -> None:
        """Create or replace a stream (an API-made one, or the status of a configured one)."""
        await self.load()
        if stream.id in self._configured:
            self._status[stream.id] = stream.status
        else:
            self._made[stream.id] = stream
        await self._write()

    async def delete(self, stream_id: str) -> None:
        """Remove an API-made stream."""
        await self.load()
        self._made.pop(stream_id, None)
        await self._write()

    async def _write(self) -> None:
        streams = [s.model_dump(exclude_none=True) for s in self._made.values()]
        await self.store.set(_INDEX, json.dumps({"streams": streams, "status": self._status}).encode())
        await self.store.publish(CHANGED, b"1")

    def _with_status(self, stream: StreamSettings) -> StreamSettings:
        status = self._status.get(stream.id)
        if status is None or status == stream.status:
            return stream
        return stream.model_copy(update={"status": status})
