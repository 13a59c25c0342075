"""Prometheus metrics of one gateway process, in a registry of its own (no module globals).

With `--workers N` the values live in prometheus-client's multiprocess files instead (see
`gateway.ops.multiproc`), and a scrape merges every worker's, so one scrape returns the sums.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from gateway.ops.multiproc import multiprocess_enabled
from gateway.ops.timers import Timers
from gateway.ops.traffic import BatchedHistogram, Traffic

# Seconds until the response head is ready: from a cached answer to a slow report.
DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    """Every metric the gateway exports, named `gateway_*`, and the per-route traffic that feeds them."""

    def __init__(self, registry: CollectorRegistry | None = None, *, multiprocess: bool | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        self.multiprocess = multiprocess_enabled() if multiprocess is None else multiprocess
        self._scrape = self.registry
        if self.multiprocess:
            self._scrape = CollectorRegistry()
            MultiProcessCollector(self._scrape)  # type: ignore[no-untyped-call]
        self._routing_metrics(self.registry)
        self._request_metrics(self.registry)
        self._feature_metrics(self.registry)
        self.traffic = Traffic(self, DURATION_BUCKETS)

    def exposition(self) -> bytes:
        """The Prometheus text format: this process's metrics, or every worker's merged."""
        return generate_latest(self._scrape)

    def _routing_metrics(self, r: CollectorRegistry) -> None:
        self.route_reloads = Counter(
            "gateway_route_reloads", "Route file loads by result (loaded, failed, fail_closed, removed).",
            ["result"], registry=r,
        )  # fmt: skip
        self.routes = Gauge(
            "gateway_routes", "Route files by load state.", ["state"], registry=r, multiprocess_mode="livemax"
        )
        self.route_failures = Gauge(
            "gateway_route_failures", "1 while the route file's current content fails to load (0 once fixed).",
            ["file"], registry=r, multiprocess_mode="livemax",
        )  # fmt: skip
        self.route_healthy = Gauge(
            "gateway_route_healthy", "1 unless more than half of the route's last-minute responses failed (5xx).",
            ["route"], registry=r, multiprocess_mode="livemin",
        )  # fmt: skip

    def _request_metrics(self, r: CollectorRegistry) -> None:
        self.requests = Counter(
            "gateway_requests", "Requests by route ('-' for none), method and status class ('none': client gone).",
            ["route", "method", "status_class"], registry=r,
        )  # fmt: skip
        self.duration = BatchedHistogram(
            "gateway_request_duration_seconds", "Seconds until the response head was ready, by route.",
            ["route"], registry=r, buckets=DURATION_BUCKETS,
        )  # fmt: skip
        self.active = Gauge(
            "gateway_requests_active", "Requests in flight, by route.", ["route"], registry=r,
            multiprocess_mode="livesum",
        )  # fmt: skip
        self.upstream_errors = Counter(
            "gateway_upstream_errors", "Upstream failures by route and kind (refused, timeout, reset, ...).",
            ["route", "kind"], registry=r,
        )  # fmt: skip
        self.denials = Counter(
            "gateway_errors", "Requests the gateway answered with an error, by reason code.", ["code"], registry=r
        )
        self.connections_refused = Counter(
            "gateway_connections_refused", "Client connections the listener ended: per_address_cap, head_timeout.",
            ["reason"], registry=r,
        )  # fmt: skip

    def _feature_metrics(self, r: CollectorRegistry) -> None:
        self.expression_errors = Counter(
            "gateway_expression_errors", "Expression evaluations that failed and yielded null.", registry=r
        )
        self.throttled = Counter(
            "gateway_throttled_requests", "Requests refused by a ThrottlingFilter.", ["route"], registry=r
        )
        self.store_errors = Counter(
            "gateway_store_errors", "Store operations that failed, by feature.", ["feature"], registry=r
        )
        self.authz_decisions = Counter(
            "gateway_authz_decisions", "Authorization decisions by route, decision (permit, deny, error) and source.",
            ["route", "decision", "source"], registry=r,
        )  # fmt: skip
        self.pdp_latency = Histogram(
            "gateway_pdp_latency_seconds", "Seconds a PDP took to answer, by PDP.", ["pdp"], registry=r,
            buckets=DURATION_BUCKETS,
        )  # fmt: skip
        self.timers = Timers(r, DURATION_BUCKETS)
        self.capture_dropped = Counter(
            "gateway_capture_dropped", "Capture records dropped (queue full, write failure), by reason.", ["reason"],
            registry=r,
        )  # fmt: skip
