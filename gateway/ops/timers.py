"""Time spent in each timed filter and handler (OpenIG's `"timer": true`), by route and object name:
a Prometheus histogram, and counts kept here for the route's statistics."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Histogram


class Timer:
    """One object's times on one route: a bound histogram child and running totals."""

    __slots__ = ("_child", "count", "max_seconds", "total_seconds")

    def __init__(self, child: Any) -> None:
        self._child = child
        self.count = 0
        self.total_seconds = 0.0
        self.max_seconds = 0.0

    def observe(self, seconds: float) -> None:
        """One call of the object took `seconds` (until its response head was ready)."""
        self._child.observe(seconds)
        self.count += 1
        self.total_seconds += seconds
        self.max_seconds = max(self.max_seconds, seconds)

    def as_json(self) -> dict[str, Any]:
        """Count and times in milliseconds, as the route's statistics show them."""
        mean = self.total_seconds / self.count if self.count else 0.0
        ms = 1000.0
        return {
            "count": self.count,
            "totalMs": self.total_seconds * ms,
            "meanMs": mean * ms,
            "maxMs": self.max_seconds * ms,
        }


class Timers:
    """Every timer of this process, kept by (route, object) so that a reload keeps counting."""

    def __init__(self, registry: CollectorRegistry, buckets: tuple[float, ...]) -> None:
        self.histogram = Histogram(
            "gateway_object_duration_seconds",
            "Seconds a timed filter or handler took (what it called included), by route and heap object.",
            ["route", "object"], registry=registry, buckets=buckets,
        )  # fmt: skip
        self._timers: dict[tuple[str, str], Timer] = {}

    def timer(self, route: str, name: str) -> Timer:
        """The timer of object `name` on `route`, made once (at load time)."""
        key = (route, name)
        if key not in self._timers:
            self._timers[key] = Timer(self.histogram.labels(route, name))
        return self._timers[key]

    def of(self, route: str) -> dict[str, dict[str, Any]]:
        """The timed objects of a route, by name."""
        return {name: timer.as_json() for (owner, name), timer in self._timers.items() if owner == route}
