"""The studio's live view: the latest capture records per route, and a server-sent event stream of
capture records and a route's statistics.

Records arrive from the capture writer's thread already rendered (nothing is added to the request
path); they are kept in a small ring per route and handed to the event loop for the streams."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import deque
from time import perf_counter
from typing import TYPE_CHECKING, Any

from aiohttp import web

from gateway.capturing.install import CAPTURE
from gateway.runtime import RUNTIME

if TYPE_CHECKING:
    from gateway.runtime import Runtime

KEPT = 50
# Seconds between statistics events on a stream.
TICK = 1.0


class CaptureTail:
    """The last `KEPT` capture records of each route, and the queues of the streams listening."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._lock = threading.Lock()
        self._records: dict[str, deque[str]] = {}
        self._streams: set[asyncio.Queue[tuple[str, str]]] = set()
        # Set when the admin app shuts down, so that open streams end instead of holding it up.
        self.closing = asyncio.Event()

    def __call__(self, route: str, records: list[str]) -> None:
        """Called in the writer thread with the records just written for `route`."""
        with self._lock:
            self._records.setdefault(route, deque(maxlen=KEPT)).extend(records)
        if self._streams:
            self._loop.call_soon_threadsafe(self._publish, route, records)

    def _publish(self, route: str, records: list[str]) -> None:
        for queue in self._streams:
            for record in records:
                if queue.qsize() < 1000:
                    queue.put_nowait((route, record))

    def latest(self, route: str) -> list[str]:
        """The route's latest records, oldest first."""
        with self._lock:
            return list(self._records.get(route, ()))

    def listen(self) -> asyncio.Queue[tuple[str, str]]:
        """A queue that receives every record written from now on."""
        queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self._streams.add(queue)
        return queue

    def forget(self, queue: asyncio.Queue[tuple[str, str]]) -> None:
        """Stop feeding a queue."""
        self._streams.discard(queue)


TAIL: web.AppKey[CaptureTail] = web.AppKey("capture_tail")


async def tail_lifetime(app: web.Application) -> Any:
    """Listen to the capture writer while the admin app runs."""
    capture = app[RUNTIME].services.feature(CAPTURE)
    tail = app[TAIL] = CaptureTail(asyncio.get_running_loop())
    if capture is not None:
        capture.writer.listeners.append(tail)
    yield
    if capture is not None:
        capture.writer.listeners.remove(tail)


async def close_streams(app: web.Application) -> None:
    """End the open event streams: the admin app is shutting down."""
    tail = app.get(TAIL)
    if tail is not None:
        tail.closing.set()


def statistics(runtime: Runtime, name: str) -> dict[str, Any]:
    """The route's statistics for the studio: OpenIG's monitoring shape, or `monitored: false`."""
    route = runtime.routes.table.by_name(name)
    stats = runtime.services.metrics.traffic.monitoring(route) if route is not None else None
    return {"route": name, "monitored": stats is not None, "at": perf_counter(), "statistics": stats}


async def captures(request: web.Request) -> web.Response:
    """`GET /admin/api/routes/{name}/captures`: the route's latest capture records (text as written)."""
    name = request.match_info["name"]
    return web.json_response({"route": name, "records": request.app[TAIL].latest(name)})


def _event(kind: str, data: Any) -> bytes:
    return f"event: {kind}\ndata: {json.dumps(data)}\n\n".encode()


async def events(request: web.Request) -> web.StreamResponse:
    """`GET /admin/api/events?route=NAME`: server-sent events `capture` (each record) and `stats` (every second)."""
    name = request.query.get("route", "")
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"})
    await response.prepare(request)
    tail, runtime = request.app[TAIL], request.app[RUNTIME]
    queue = tail.listen()
    try:
        while not tail.closing.is_set():
            await response.write(_event("stats", statistics(runtime, name)))
            try:
                route, record = await asyncio.wait_for(queue.get(), TICK)
            except TimeoutError:
                continue
            if not name or route == name:
                await response.write(_event("capture", {"route": route, "record": record}))
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        tail.forget(queue)
    return response
