"""Per-route statistics in OpenIG's monitoring shape: requests, responses by kind, throughput, response time.

Counts, the mean and the standard deviation are cumulative since the process started; throughput
has the recent EWMA windows; percentiles come from the last `RESERVOIR` response times, so memory
stays bounded however long the gateway runs. A request costs a few additions and one slot written
in a fixed-size ring; percentiles are computed when read. With several workers, each shares its raw
`state` (see `gateway.ops.shared`) and a reader sums them with its own.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from gateway.ops.rates import Meter

# The sample size of Dropwizard's default reservoir, which OpenIG's monitoring used.
RESERVOIR = 1028
DEFAULT_PERCENTILES = (0.5, 0.9, 0.99)


class RouteStatistics:
    """One route's statistics; outlives reloads of the route's file (kept by route name)."""

    __slots__ = ("_next", "classes", "errors", "meter", "null", "requests", "samples", "square_ms", "total_ms")

    def __init__(self, now: float) -> None:
        self.requests = 0
        # Responses by status // 100; index 0 and 6-9 are "other".
        self.classes = [0] * 10
        self.errors = 0
        self.null = 0
        self.meter = Meter(now)
        self.total_ms = 0.0
        self.square_ms = 0.0
        self.samples: list[float] = []
        self._next = 0

    def record(self, status: int, error: bool, ms: float, now: float) -> None:
        """One finished exchange: status 0 when the client got no response, `error` when it ended in a failure."""
        self.meter.mark(now)
        if status == 0:
            self.null += 1
        elif error:
            self.errors += 1
        else:
            self.classes[min(status // 100, 9)] += 1
        self.total_ms += ms
        self.square_ms += ms * ms
        if len(self.samples) < RESERVOIR:
            self.samples.append(ms)
        else:
            self.samples[self._next] = ms
            self._next = (self._next + 1) % RESERVOIR

    def state(self, now: float) -> dict[str, Any]:
        """The raw numbers, JSON-ready, for a reader in another worker to add to its own (see `combined`)."""
        self.meter.tick(now)
        meter = self.meter
        return {
            "requests": self.requests, "classes": self.classes, "errors": self.errors, "null": self.null,
            "total_ms": self.total_ms, "square_ms": self.square_ms, "samples": self.samples,
            "count": meter.count, "started": meter.started, "rates": meter.rates,
        }  # fmt: skip

    def as_json(
        self, percentiles: tuple[float, ...], now: float, others: Iterable[dict[str, Any]] = ()
    ) -> dict[str, Any]:
        """The statistics in OpenIG's monitoring shape, summed with other workers' `state`s."""
        return combined([self.state(now), *others], percentiles, now)


def combined(states: list[dict[str, Any]], percentiles: tuple[float, ...], now: float) -> dict[str, Any]:
    """Workers' statistics as one route's, in OpenIG's shape (times in milliseconds, rates per second).

    Counts and sums add up; percentiles come from every worker's samples together; throughput rates
    add up (each worker's as of its last tick)."""
    count = sum(st["count"] for st in states)
    c = [sum(st["classes"][i] for st in states) for i in range(10)]
    total_ms, square_ms = sum(st["total_ms"] for st in states), sum(st["square_ms"] for st in states)
    ordered = sorted(sample for st in states for sample in st["samples"])
    requests = sum(st["requests"] for st in states)
    return {
        "requests": {"total": requests, "active": requests - count},
        "responses": {
            "total": count, "info": c[1], "success": c[2], "redirect": c[3], "clientError": c[4],
            "serverError": c[5], "other": c[0] + sum(c[6:]),
            "errors": sum(st["errors"] for st in states), "null": sum(st["null"] for st in states),
        },
        "throughput": {
            "mean": sum(st["count"] / (now - st["started"]) for st in states if now > st["started"]),
            "lastMinute": sum(st["rates"][0] for st in states),
            "last5Minutes": sum(st["rates"][1] for st in states),
            "last15Minutes": sum(st["rates"][2] for st in states),
        },
        "responseTime": {
            "mean": _ms(total_ms / count) if count else 0.0,
            "median": _ms(quantile(ordered, 0.5)),
            "standardDeviation": _ms(_deviation(count, total_ms, square_ms)),
            "total": _ms(total_ms),
            "percentiles": {str(p): _ms(quantile(ordered, p)) for p in percentiles},
        },
    }  # fmt: skip


def _deviation(count: int, total_ms: float, square_ms: float) -> float:
    if count < 2:
        return 0.0
    mean = total_ms / count
    # max(): rounding can leave a tiny negative variance when every sample is equal.
    return math.sqrt(max(0.0, (square_ms - count * mean * mean) / (count - 1)))


def quantile(ordered: list[float], q: float) -> float:
    """The q-quantile of sorted values, interpolated as Dropwizard's snapshots do; 0 with no values."""
    if not ordered:
        return 0.0
    position = q * (len(ordered) + 1)
    index = int(position)
    if index < 1:
        return ordered[0]
    if index >= len(ordered):
        return ordered[-1]
    lower, upper = ordered[index - 1], ordered[index]
    return lower + (position - index) * (upper - lower)


def monitored_percentiles(monitor: Any) -> tuple[float, ...] | None:
    """The percentiles a route's `monitor` setting asks for, or None when it is not monitored."""
    if monitor is True:
        return DEFAULT_PERCENTILES
    if monitor is None or monitor is False or not getattr(monitor, "enabled", False):
        return None
    return tuple(monitor.percentiles)


def _ms(value: float) -> float:
    return round(value, 3)
