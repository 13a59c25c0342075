"""Recent rates on a 5-second tick: Dropwizard-style EWMA meters and a one-minute health window.

Both tick lazily: the first event (or read) after a tick is due folds the elapsed ticks in, so no
timer runs per route. Times are `time.perf_counter()` seconds.
"""

from __future__ import annotations

import math

TICK = 5.0
# Slots of past ticks kept by `Recent`: with the current slot they cover the last minute.
_SLOTS = 11
# Fewer responses than this in the last minute say nothing about health.
MIN_RESPONSES = 10


def _alpha(minutes: float) -> float:
    return 1.0 - math.exp(-TICK / 60.0 / minutes)


_ALPHAS = (_alpha(1), _alpha(5), _alpha(15))


class Meter:
    """Events per second: the mean since start and exponentially weighted 1, 5 and 15 minute rates."""

    __slots__ = ("_pending", "_primed", "count", "next_tick", "rates", "started")

    def __init__(self, now: float) -> None:
        self.count = 0
        self.started = now
        self.next_tick = now + TICK
        self.rates = [0.0, 0.0, 0.0]
        self._pending = 0
        self._primed = False

    def mark(self, now: float) -> None:
        """Count one event."""
        if now >= self.next_tick:
            self.tick(now)
        self.count += 1
        self._pending += 1

    def tick(self, now: float) -> None:
        """Fold in the events since the last tick, then decay the rates over the idle ticks after it."""
        if now < self.next_tick:
            return
        ticks = int((now - self.next_tick) // TICK) + 1
        instant = self._pending / TICK
        self._pending = 0
        for i, alpha in enumerate(_ALPHAS):
            rate = self.rates[i] + alpha * (instant - self.rates[i]) if self._primed else instant
            self.rates[i] = rate * (1.0 - alpha) ** (ticks - 1)
        self._primed = True
        self.next_tick += ticks * TICK

    def mean(self, now: float) -> float:
        """Events per second since the meter started."""
        elapsed = now - self.started
        return self.count / elapsed if elapsed > 0 else 0.0


class Recent:
    """Responses and failures (5xx, including gateway errors) over the last minute, in 5-second slots."""

    __slots__ = ("_bads", "_index", "_totals", "bad", "next_tick", "total")

    def __init__(self, now: float) -> None:
        self.total = 0
        self.bad = 0
        self.next_tick = now + TICK
        self._totals = [0] * _SLOTS
        self._bads = [0] * _SLOTS
        self._index = 0

    def add(self, bad: bool, now: float) -> None:
        """Count one response."""
        if now >= self.next_tick:
            self.tick(now)
        self.total += 1
        if bad:
            self.bad += 1

    def tick(self, now: float) -> None:
        """Close the current slot (and any idle ones) when its 5 seconds are over."""
        if now < self.next_tick:
            return
        ticks = int((now - self.next_tick) // TICK) + 1
        for _ in range(min(ticks, _SLOTS)):
            self._totals[self._index] = self.total
            self._bads[self._index] = self.bad
            self.total = self.bad = 0
            self._index = (self._index + 1) % _SLOTS
        self.next_tick += ticks * TICK

    def counts(self, now: float) -> tuple[int, int]:
        """(responses, failures) in the last minute."""
        self.tick(now)
        return self.total + sum(self._totals), self.bad + sum(self._bads)

    def healthy(self, now: float) -> bool:
        """False when more than half of at least MIN_RESPONSES recent responses failed."""
        total, bad = self.counts(now)
        return total < MIN_RESPONSES or bad * 2 <= total
