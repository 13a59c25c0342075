"""The statistics' building blocks, on an explicit clock (seconds): EWMA meters, the health window,
quantiles and the bounded reservoir."""

from __future__ import annotations

import math
from time import perf_counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.ops.metrics import Metrics
from gateway.ops.rates import Meter, Recent
from gateway.ops.statistics import RESERVOIR, RouteStatistics, monitored_percentiles, quantile
from gateway.ops.traffic import status_class
from gateway.routing.model import MonitorConfig
from tests.ops.conftest import parse_metrics


def test_the_first_tick_sets_every_rate_to_the_instant_rate() -> None:
    meter = Meter(0.0)
    for _ in range(50):
        meter.mark(1.0)
    assert meter.rates == [0.0, 0.0, 0.0]
    meter.tick(5.0)
    assert meter.rates == [10.0, 10.0, 10.0]


def test_idle_minutes_decay_each_rate_by_its_own_window() -> None:
    meter = Meter(0.0)
    for _ in range(50):
        meter.mark(1.0)
    meter.tick(65.0)  # the tick with the events, then twelve idle ones: one minute
    one, five, fifteen = meter.rates
    assert one == pytest.approx(10.0 * math.exp(-1))
    assert five == pytest.approx(10.0 * math.exp(-1 / 5))
    assert fifteen == pytest.approx(10.0 * math.exp(-1 / 15))


def test_the_mean_rate_is_events_over_elapsed_time() -> None:
    meter = Meter(100.0)
    for _ in range(30):
        meter.mark(101.0)
    assert meter.mean(110.0) == 3.0


def test_the_health_window_forgets_after_a_minute() -> None:
    recent = Recent(0.0)
    for _ in range(10):
        recent.add(True, 1.0)
    assert recent.counts(54.0) == (10, 10)
    assert not recent.healthy(54.0)
    assert recent.counts(61.0) == (0, 0)
    assert recent.healthy(61.0)


def test_failures_must_be_more_than_half_of_at_least_ten() -> None:
    recent = Recent(0.0)
    for index in range(10):
        recent.add(index % 2 == 0, 1.0)
    assert recent.healthy(2.0)
    recent.add(True, 2.0)
    assert not recent.healthy(3.0)


def test_quantiles_interpolate_like_dropwizard() -> None:
    values = [float(v) for v in range(1, 101)]
    assert quantile(values, 0.5) == 50.5
    assert quantile(values, 0.0) == 1.0
    assert quantile(values, 1.0) == 100.0
    assert quantile([], 0.5) == 0.0


@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=200), st.floats(0, 1), st.floats(0, 1))
def test_quantiles_are_ordered_and_within_the_samples(values: list[float], q1: float, q2: float) -> None:
    ordered = sorted(values)
    low, high = sorted((q1, q2))
    assert ordered[0] <= quantile(ordered, low) <= quantile(ordered, high) <= ordered[-1]


def test_the_reservoir_keeps_only_the_latest_samples() -> None:
    stats = RouteStatistics(0.0)
    for _ in range(4000):
        stats.record(200, False, 1000.0, 1.0)
    for _ in range(RESERVOIR):
        stats.record(200, False, 1.0, 2.0)
    assert len(stats.samples) == RESERVOIR
    body = stats.as_json((0.99,), 3.0)
    assert body["responseTime"]["percentiles"] == {"0.99": 1.0}
    assert body["responseTime"]["median"] == 1.0
    # The mean and total stay cumulative.
    assert body["responseTime"]["total"] == 4000 * 1000.0 + RESERVOIR
    assert body["responses"]["success"] == 4000 + RESERVOIR


def test_the_standard_deviation_is_the_sample_deviation() -> None:
    stats = RouteStatistics(0.0)
    for ms in (2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0):
        stats.record(200, False, ms, 1.0)
    assert stats.as_json((), 2.0)["responseTime"]["standardDeviation"] == pytest.approx(2.138, abs=1e-3)


@pytest.mark.parametrize(
    ("monitor", "percentiles"),
    [
        (None, None),
        (False, None),
        (True, (0.5, 0.9, 0.99)),
        (MonitorConfig(enabled=False), None),
        (MonitorConfig(percentiles=[0.75, 0.999]), (0.75, 0.999)),
    ],
)
def test_the_monitor_setting_turns_statistics_on(monitor: object, percentiles: tuple[float, ...] | None) -> None:
    assert monitored_percentiles(monitor) == percentiles


@pytest.mark.parametrize(("status", "label"), [(0, "none"), (101, "1xx"), (204, "2xx"), (503, "5xx"), (799, "other")])
def test_status_classes(status: int, label: str) -> None:
    assert status_class(status) == label


def test_batched_durations_publish_the_same_histogram_as_observing_each() -> None:
    durations = [0.0004, 0.0012, 0.003, 0.003, 0.2, 0.9, 7.0, 75.0]
    observed, batched = Metrics(multiprocess=False), Metrics(multiprocess=False)
    for seconds in durations:
        observed.duration.labels("r").observe(seconds)
    probe = batched.traffic.unrouted
    for seconds in durations:
        probe.count(None, "GET", 200, False, perf_counter() - seconds)
    probe.publish(batched)
    assert _histogram(batched)["count"] == len(durations)
    assert _histogram(batched)["buckets"] == _histogram(observed)["buckets"]
    assert _histogram(batched)["sum"] >= sum(durations)


def _histogram(metrics: Metrics) -> dict[str, object]:
    samples = parse_metrics(metrics.exposition().decode())
    buckets = {
        dict(labels)["le"]: value
        for (name, labels), value in samples.items()
        if name == "gateway_request_duration_seconds_bucket"
    }
    counts = [v for (name, _), v in samples.items() if name == "gateway_request_duration_seconds_count"]
    sums = [v for (name, _), v in samples.items() if name == "gateway_request_duration_seconds_sum"]
    return {"buckets": buckets, "count": counts[0], "sum": sums[0]}
