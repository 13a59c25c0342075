"""Poll-Based SET Delivery (RFC 8936 §2), the transmitter's endpoint: one per poll stream, at
`<signals.pollPath>/<stream id>` on the main listener, protected by the stream's bearer token.

The receiver POSTs `{"ack": [...], "setErrs": {...}, "maxEvents": n, "returnImmediately": b}`.
Acknowledged SETs leave the outbox; SETs reported in `setErrs` leave it too (they were answered)
and are recorded as failed. The answer is `{"sets": {jti: SET}, "moreAvailable": b}`; with nothing
pending and no `returnImmediately`, the request waits (long poll) until a SET is made or the
configured timeout passes. Unacknowledged SETs are sent again on the next poll. The SETs served
are signed here from their outbox claims (on a thread): a poll stream's receiver pays for its
signatures with its own request, and a poll never waits on the signals process.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from gateway.signals.failures import FailedDeliveries
from gateway.signals.metrics import SignalMetrics
from gateway.signals.outbox import Outbox
from gateway.signals.push_receiver import error_response
from gateway.signals.signing import SetSigning
from gateway.signals_settings import StreamSettings

log = logging.getLogger("gateway.signals")
DEFAULT_MAX = 100
MOST = 1000
_MAX_BODY = 1024 * 1024


class Bell:
    """Wakes the long polls waiting on a stream."""

    def __init__(self) -> None:
        self._waiting: dict[str, asyncio.Event] = {}

    def ring(self, stream_id: str) -> None:
        """A SET was made for `stream_id`."""
        event = self._waiting.pop(stream_id, None)
        if event is not None:
            event.set()

    def arm(self, stream_id: str) -> asyncio.Event:
        """The event the next ring for `stream_id` sets (arm before looking, so that no ring is missed)."""
        return self._waiting.setdefault(stream_id, asyncio.Event())

    @staticmethod
    async def wait(event: asyncio.Event, timeout: float) -> None:
        """Until `event` is set, or `timeout`."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)


@dataclass(eq=False)
class PollEndpoint:
    """The RFC 8936 endpoint of the poll streams, found by the last path segment."""

    lookup: Callable[[str], StreamSettings | None]
    outbox: Outbox
    failures: FailedDeliveries
    bell: Bell
    long_poll: float
    metrics: SignalMetrics
    signing: SetSigning

    async def __call__(self, request: web.BaseRequest) -> web.StreamResponse:
        """Acknowledge, record errors, then answer with the pending SETs."""
        stream = self.lookup(request.path.rsplit("/", 1)[-1])
        if stream is None or stream.endpoint or not stream.pollToken:
            return error_response(404, "not_found", "no poll stream here")
        if request.method != "POST":
            return web.Response(status=405, headers={"Allow": "POST"})
        if not _authorized(request, stream.pollToken):
            return error_response(401, "authentication_failed", "a valid bearer token is required",
                                  **{"WWW-Authenticate": 'Bearer realm="ssf"'})  # fmt: skip
        try:
            ask = _parse(await request.content.read(_MAX_BODY))
        except ValueError as exc:
            return error_response(400, "invalid_request", str(exc))
        await self._answered(stream.id, ask)
        if ask["maxEvents"] == 0:
            return web.json_response({"sets": {}, "moreAvailable": bool(await self.outbox.peek(stream.id, 1))})
        return web.json_response(await self._pending(stream, ask))

    async def _answered(self, stream_id: str, ask: dict[str, Any]) -> None:
        for jti in ask["ack"]:
            if await self.outbox.ack(stream_id, jti):
                self.metrics.deliveries.labels(stream_id, "acked").inc()
        for jti, error in ask["setErrs"].items():
            log.warning("stream %s: receiver reports SET %s: %s", stream_id, jti, error)
            if await self.outbox.ack(stream_id, jti):
                self.metrics.deliveries.labels(stream_id, "rejected").inc()
                await self.failures.add(stream_id, jti, error.get("err"), error.get("description"), 0.0)

    async def _pending(self, stream: StreamSettings, ask: dict[str, Any]) -> dict[str, Any]:
        limit = ask["maxEvents"]
        bell = self.bell.arm(stream.id)
        items = await self.outbox.peek(stream.id, limit + 1) if stream.status == "enabled" else []
        if not items and not ask["returnImmediately"]:
            await self.bell.wait(bell, self.long_poll)
            items = await self.outbox.peek(stream.id, limit + 1) if stream.status == "enabled" else []
        self.metrics.depth.labels(stream.id).set(await self.outbox.depth(stream.id))
        return {"sets": await self.signing.tokens(stream, items[:limit]), "moreAvailable": len(items) > limit}


def _authorized(request: web.BaseRequest, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def _parse(body: bytes) -> dict[str, Any]:
    """The poll request, checked (RFC 8936 §2.4); ValueError names the bad member."""
    try:
        doc = json.loads(body or b"{}")
    except ValueError:
        raise ValueError("the body is not JSON") from None
    if not isinstance(doc, dict):
        raise ValueError("the body must be a JSON object")
    ack, errs = doc.get("ack", []), doc.get("setErrs", {})
    most, immediately = doc.get("maxEvents", DEFAULT_MAX), doc.get("returnImmediately", False)
    if not isinstance(ack, list) or not all(isinstance(j, str) for j in ack):
        raise ValueError("ack must be an array of jti strings")
    if not isinstance(errs, dict) or not all(isinstance(e, dict) for e in errs.values()):
        raise ValueError("setErrs must map jti to {err, description}")
    if isinstance(most, bool) or not isinstance(most, int) or most < 0:
        raise ValueError("maxEvents must be a non-negative integer")
    if not isinstance(immediately, bool):
        raise ValueError("returnImmediately must be a boolean")
    return {"ack": ack, "setErrs": errs, "maxEvents": min(most, MOST), "returnImmediately": immediately}
