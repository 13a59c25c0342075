"""Per-route telemetry for the dispatcher's hot path.

A request costs a few integer increments on its route's `RouteProbe`; the Prometheus children are
updated from those counts by `Traffic.publish`, on every scrape and every second (a prometheus-client
call costs about a microsecond, and a request would need four). Probes are kept by route name, so a
reload of the route's file resets nothing, and requests still in flight on the old version count
on the same probe.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from time import perf_counter
from typing import Any, Protocol

from prometheus_client import Counter, Gauge, Histogram

from gateway.ops.rates import Recent
from gateway.ops.shared import SharedStatistics
from gateway.ops.statistics import DEFAULT_PERCENTILES, RouteStatistics, combined, monitored_percentiles
from gateway.ops.timers import Timers


class BatchedHistogram(Histogram):
    """A histogram that also takes observations counted per bucket elsewhere (by the route probes below)."""

    def add(self, buckets: list[int], total: float) -> None:
        """Add `buckets[i]` observations to bucket i (the last is +Inf), whose values sum to `total`."""
        # prometheus-client observes one value at a time; its children hold one value per bucket and the sum.
        for index, count in enumerate(buckets):
            if count:
                self._buckets[index].inc(count)
        self._sum.inc(total)


class Metrics(Protocol):
    """The Prometheus families that traffic feeds (`gateway.ops.metrics.Metrics` has them all)."""

    requests: Counter
    active: Gauge
    duration: BatchedHistogram
    upstream_errors: Counter
    route_healthy: Gauge
    timers: Timers


class Route(Protocol):
    """A route as telemetry sees it (`gateway.routing.route.Route`)."""

    @property
    def name(self) -> str: ...
    @property
    def monitor(self) -> Any: ...


class RouteTable(Protocol):
    """The routes being served (`gateway.routing.route.RouteTable`)."""

    @property
    def routes(self) -> Iterable[Route]: ...


# Any other method is labelled "other", so that clients cannot grow the label set.
STANDARD_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"})
UNROUTED = "-"


def status_class(status: int) -> str:
    """The status label: 1xx to 5xx, "none" when the client got no response, "other" outside HTTP's range."""
    if status == 0:
        return "none"
    return f"{status // 100}xx" if 100 <= status < 600 else "other"


class RouteProbe:
    """What one route (or the requests no route took) has done since it was last published."""

    __slots__ = ("_bounds", "_kept", "active", "buckets", "counts", "name", "recent", "route", "seconds", "stats")

    def __init__(self, name: str, bounds: tuple[float, ...], now: float) -> None:
        self.name = name
        self.route: Route | None = None
        self.stats: RouteStatistics | None = None
        self._kept: RouteStatistics | None = None
        self.recent = Recent(now)
        self.active = 0
        self.counts: dict[tuple[str, int], int] = {}
        self._bounds = bounds
        # Durations not yet published, per histogram bucket (the last one is +Inf), and their sum.
        self.buckets = [0] * (len(bounds) + 1)
        self.seconds = 0.0

    def bind(self, route: Route) -> None:
        """Follow a (re)loaded version of the route: its `monitor` setting may have changed."""
        self.route = route
        if monitored_percentiles(route.monitor) is None:
            self.stats = None
            return
        if self._kept is None:
            self._kept = RouteStatistics(perf_counter())
        self.stats = self._kept

    def enter(self) -> RouteStatistics | None:
        """A request starts on this route; returns the statistics its end must go to (None: not monitored)."""
        self.active += 1
        stats = self.stats
        if stats is not None:
            stats.requests += 1
        return stats

    def leave(self, stats: RouteStatistics | None, method: str, status: int, error: bool, started: float) -> None:
        """The request that `enter` counted has ended; see `count`."""
        self.active -= 1
        self.count(stats, method, status, error, started)

    def count(self, stats: RouteStatistics | None, method: str, status: int, error: bool, started: float) -> None:
        """One finished exchange: status 0 if the client got no response, `error` if it ended in a failure."""
        now = perf_counter()
        elapsed = now - started
        if method not in STANDARD_METHODS:
            method = "other"
        key = (method, status)
        self.counts[key] = self.counts.get(key, 0) + 1
        self.buckets[bisect_left(self._bounds, elapsed)] += 1
        self.seconds += elapsed
        self.recent.add(status >= 500, now)
        if stats is not None:
            stats.record(status, error, elapsed * 1000.0, now)

    def publish(self, metrics: Metrics) -> None:
        """Move the counts into the Prometheus children."""
        for (method, status), count in self.counts.items():
            metrics.requests.labels(self.name, method, status_class(status)).inc(count)
        self.counts.clear()
        metrics.active.labels(self.name).set(self.active)
        if self.seconds or any(self.buckets):
            metrics.duration.labels(self.name).add(self.buckets, self.seconds)
            self.buckets = [0] * len(self.buckets)
            self.seconds = 0.0


class Traffic:
    """Telemetry of every route this process has served, by route name."""

    def __init__(self, metrics: Metrics, bounds: tuple[float, ...]) -> None:
        self._metrics = metrics
        self._bounds = bounds
        self._probes: dict[str, RouteProbe] = {}
        self.unrouted = RouteProbe(UNROUTED, bounds, perf_counter())
        self.shared = SharedStatistics.from_environment()

    def probe(self, route: Route) -> RouteProbe:
        """The route's probe, bound to this version of the route."""
        probe = self._probes.get(route.name)
        if probe is None:
            probe = self._probes[route.name] = RouteProbe(route.name, self._bounds, perf_counter())
        if probe.route is not route:
            probe.bind(route)
        return probe

    def endpoint(self, path: str) -> RouteProbe:
        """The probe of one of the gateway's own endpoints, named by its path (never monitored)."""
        probe = self._probes.get(path)
        if probe is None:
            probe = self._probes[path] = RouteProbe(path, self._bounds, perf_counter())
        return probe

    def upstream_failed(self, name: str, kind: str) -> None:
        """The upstream of route `name` failed in the way `kind` names (refused, timeout, ...)."""
        self._metrics.upstream_errors.labels(name, kind).inc()

    def monitoring(self, route: Route) -> dict[str, Any] | None:
        """The route's statistics in OpenIG's shape, summed over the workers; None when it is not monitored."""
        percentiles = monitored_percentiles(route.monitor)
        if percentiles is None:
            return None
        stats = self.probe(route).stats
        if stats is None:
            return None
        others = self.shared.others().get(route.name, []) if self.shared is not None else []
        return self._with_timers(route.name, stats.as_json(percentiles, perf_counter(), others))

    def _with_timers(self, name: str, out: dict[str, Any]) -> dict[str, Any]:
        """`out` with this worker's `timer` figures of the route, when it has any."""
        timers = self._metrics.timers.of(name)
        return {**out, "timers": timers} if timers else out

    def monitored(self) -> dict[str, dict[str, Any]]:
        """The statistics of every monitored route that has served (in any worker), by route name."""
        others = self.shared.others() if self.shared is not None else {}
        now, out = perf_counter(), {}
        for name, probe in self._probes.items():
            percentiles = monitored_percentiles(probe.route.monitor) if probe.route is not None else None
            if percentiles is not None and probe.stats is not None:
                out[name] = self._with_timers(name, probe.stats.as_json(percentiles, now, others.pop(name, [])))
        for name, states in others.items():  # served by other workers only
            out[name] = combined(states, tuple(states[0].get("percentiles", DEFAULT_PERCENTILES)), now)
        return out

    def share(self) -> None:
        """Write this worker's statistics for the other workers' readers (once a second, with `publish`)."""
        if self.shared is None:
            return
        now, states, versions = perf_counter(), {}, {}
        for name, probe in self._probes.items():
            percentiles = monitored_percentiles(probe.route.monitor) if probe.route is not None else None
            if percentiles is not None and probe.stats is not None:
                states[name] = {**probe.stats.state(now), "percentiles": percentiles}
                versions[name] = probe.stats.requests + probe.stats.meter.count
        self.shared.write(states, versions)

    def health(self, name: str) -> str:
        """Health of the named route: "unhealthy" when more than half of its last-minute responses failed."""
        probe = self._probes.get(name)
        return "healthy" if probe is None or probe.recent.healthy(perf_counter()) else "unhealthy"

    def annotate(self, entries: list[dict[str, Any]], table: RouteTable) -> None:
        """Add `health` to the route-file entries of /admin/api/routes ("unknown" when nothing serves)."""
        serving = {route.name for route in table.routes}
        for entry in entries:
            entry["health"] = self.health(entry["name"]) if entry["name"] in serving else "unknown"

    def publish(self, table: RouteTable) -> None:
        """Bring every Prometheus child up to date, and the health of the routes being served."""
        self.unrouted.publish(self._metrics)
        for probe in self._probes.values():
            probe.publish(self._metrics)
        self.share()
        for route in table.routes:
            self._metrics.route_healthy.labels(route.name).set(1 if self.health(route.name) == "healthy" else 0)
