"""The capture writer: records leave the event loop through a bounded queue to one thread that
renders and appends them. A full queue or a failing disk drops records (counted, logged at most
every few seconds); it never blocks or fails a request."""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from itertools import repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

from gateway.capture.files import RouteFiles

log = logging.getLogger("gateway.capture")

# Turns one queued record (a `Message`, or a header-only tuple) into its text.
Render = Callable[[Any], str]
# route, render, record, body bytes it holds
_Item = tuple[str, Render, Any, int]
QUEUE_SIZE = 10_000
# Body bytes waiting at most: records with entities are dropped beyond this, whatever their count.
QUEUE_BYTES = 64 * 1024 * 1024
# Records rendered and written per batch: one write per route file for the whole batch. The
# writer is woken as soon as this many wait.
_BATCH = 256
# Seconds between the writer's rounds when fewer than a batch wait; `drain` and `stop` wake it at once.
_INTERVAL = 0.1
_SIZE = itemgetter(3)


class Drops:
    """Counts dropped records and logs them at most once per `interval` seconds."""

    def __init__(self, counter: Any, interval: float = 10.0) -> None:
        self._counter = counter
        self._interval = interval
        self._lock = threading.Lock()
        self._unlogged = 0
        self._logged_at = -interval

    def drop(self, reason: str, count: int = 1, cause: object = None) -> None:
        """Count `count` records lost for `reason`."""
        self._counter.labels(reason).inc(count)
        with self._lock:
            self._unlogged += count
            now = time.monotonic()
            if now - self._logged_at < self._interval:
                return
            count, self._unlogged, self._logged_at = self._unlogged, 0, now
        log.warning(
            "capture dropped %d record(s): %s%s",
            count,
            reason,
            f" ({cause})" if cause else "",
            extra={"reason": reason},
        )


class CaptureWriter:
    """Owns the queue and the thread; `submit` is the only call made on the event loop.

    The thread wakes on a timer, or when a full batch waits, rather than per record: a wake-up per
    record would hand the interpreter lock back and forth with the event loop thousands of times a
    second, and each round has costs of its own (checking the file, one `write`)."""

    def __init__(self, folder: Path, max_bytes: int, backups: int, counter: Any, capacity: int = QUEUE_SIZE) -> None:
        self._queue: deque[_Item] = deque()
        self._capacity = capacity
        self._files = RouteFiles(folder, max_bytes, backups)
        self.drops = Drops(counter)
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()
        self._stopping = False
        # Records queued and done with (written or dropped), for `drain`; body bytes in and out.
        # Each count has one writer thread, so no lock is taken on the event loop.
        self._queued = 0
        self._done = 0
        self._bytes_in = 0
        self._bytes_out = 0
        self._progress = threading.Condition()
        # Called in the writer thread with (route, rendered records) after each batch: the studio's live feed.
        self.listeners: list[Callable[[str, list[str]], None]] = []

    def submit(self, route: str, render: Render, record: Any, size: int = 0) -> None:
        """Queue one record holding `size` body bytes; drop it when the queue is full."""
        queue = self._queue
        depth = len(queue)
        if depth >= self._capacity or (size and self._bytes_in - self._bytes_out + size > QUEUE_BYTES):
            self.drops.drop("queue_full")
            return
        self._queued += 1
        self._bytes_in += size
        queue.append((route, render, record, size))
        if depth == _BATCH - 1:
            self._wake.set()

    def start(self) -> None:
        """Start the writer thread."""
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="gateway-capture", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Write what is queued, then stop the thread (blocking: call it off the loop)."""
        if self._thread is None:
            return
        self._stopping = True
        self._wake.set()
        self._thread.join(timeout)
        self._thread = None

    def drain(self, timeout: float = 10.0) -> None:
        """Block until every record queued so far is written or dropped (the thread must run)."""
        target = self._queued
        self._wake.set()
        with self._progress:
            self._progress.wait_for(lambda: self._done >= target, timeout)

    def _run(self) -> None:
        try:
            while not self._stopping:
                self._wake.wait(_INTERVAL)
                self._wake.clear()
                self._flush()
            self._flush()
        finally:
            self._files.close()

    def _flush(self) -> None:
        queue = self._queue
        while queue:
            # Taken in C (no Python step per record); the event loop may append meanwhile.
            batch: list[_Item] = list(map(deque.popleft, repeat(queue, min(_BATCH, len(queue)))))
            self._write(batch)
            self._bytes_out += sum(map(_SIZE, batch))
            with self._progress:
                self._done += len(batch)
                self._progress.notify_all()

    def _write(self, batch: list[_Item]) -> None:
        texts: defaultdict[str, list[str]] = defaultdict(list)
        for route, render, record, _ in batch:
            try:
                texts[route].append(render(record))
            except Exception as exc:
                # A record that cannot be rendered is lost, but the thread must live for the next ones.
                log.exception("capture record could not be rendered")
                self.drops.drop("render_error", cause=exc)
        for route, parts in texts.items():
            try:
                self._files.append(route, "".join(parts).encode("utf-8", "replace"))
            except OSError as exc:
                self.drops.drop("write_error", len(parts), exc)
            for listener in self.listeners:
                listener(route, parts)
