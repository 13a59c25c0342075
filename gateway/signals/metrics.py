"""The signals' Prometheus metrics, registered in the process's registry when signals start."""

from __future__ import annotations

from functools import partial

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# Seconds from a session end to the receiver's 202 or ack: from same-machine to a day of retries.
LAG_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0, 86400.0)


class SignalMetrics:
    """Outbox depth, deliveries by stream and result, delivery lag, and SETs received."""

    def __init__(self, registry: CollectorRegistry) -> None:
        counter, stream = partial(Counter, registry=registry), ["stream"]
        # The worker that delivered or answered a poll last knows the depth; older values are stale.
        self.depth = Gauge("gateway_signals_outbox_depth", "SETs waiting in the outbox, by stream.", stream,
                           registry=registry, multiprocess_mode="livemostrecent")  # fmt: skip
        self.deliveries = counter(
            "gateway_signals_deliveries",
            "SET delivery outcomes by stream and result (delivered, acked, rejected, retry, parked, dropped).",
            [*stream, "result"],
        )
        self.lag = Histogram("gateway_signals_delivery_lag_seconds", "Seconds from a SET's making to its delivery.",
                             stream, registry=registry, buckets=LAG_BUCKETS)  # fmt: skip
        self.received = counter(
            "gateway_signals_received", "SETs received, by result (accepted, duplicate, or the error code).", ["result"]
        )
        self.sessions_ended = counter(
            "gateway_signals_sessions_ended", "Local sessions ended by received session-revoked SETs."
        )
