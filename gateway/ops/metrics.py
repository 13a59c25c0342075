"""Prometheus metrics of one gateway process, in a registry of its own (no module globals)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge


class Metrics:
    """Every metric the gateway exports, named `gateway_*`."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        r = self.registry
        self.route_reloads = Counter(
            "gateway_route_reloads", "Route file loads by result (loaded, failed, fail_closed, removed).",
            ["result"], registry=r,
        )
        self.routes = Gauge("gateway_routes", "Route files by load state.", ["state"], registry=r,
                            multiprocess_mode="livemax")
        self.expression_errors = Counter(
            "gateway_expression_errors", "Expression evaluations that failed and yielded null.", registry=r
        )
        self.throttled = Counter(
            "gateway_throttled_requests", "Requests refused by a ThrottlingFilter.", ["route"], registry=r
        )
        self.store_errors = Counter(
            "gateway_store_errors", "Store operations that failed, by feature.", ["feature"], registry=r
        )
        self.denials = Counter(
            "gateway_errors", "Requests the gateway answered with an error, by reason code.", ["code"], registry=r
        )
