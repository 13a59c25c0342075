"""The token bucket arithmetic: bursts up to the capacity, never above the rate."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from gateway.stores import bucket


def test_a_new_bucket_starts_full() -> None:
    tokens, take = bucket.take(None, 0.0, 0.0, 10, 60.0, 1)
    assert take.allowed and take.remaining == 9 and tokens == 9
    assert math.isclose(take.reset, 6.0)


def test_denied_take_waits_for_its_whole_cost() -> None:
    _, take = bucket.take(0.5, 0.0, 0.0, 10, 10.0, 3)
    assert not take.allowed
    assert math.isclose(take.retry_after, 2.5)
    assert math.isclose(take.reset, 9.5)


def test_a_clock_stepping_back_does_not_drain_the_bucket() -> None:
    tokens, take = bucket.take(5.0, 100.0, 40.0, 10, 10.0, 1)
    assert take.allowed and tokens == 4


def test_thirds_of_a_token_add_up_to_a_whole_one() -> None:
    # At 1 token per 7 s, three refills of 7/3 s sum to 0.9999999999999999 in floats.
    tokens, now, third = 0.0, 0.0, 7.0 / 3
    for _ in range(3):
        tokens, take = bucket.take(tokens, now, now + third, 1, 7.0, 0)
        now += third
    assert tokens < 1
    _, take = bucket.take(tokens, now, now, 1, 7.0, 1)
    assert take.allowed


@given(
    capacity=st.integers(1, 50),
    period=st.floats(0.01, 100.0),
    steps=st.lists(st.tuples(st.floats(0.0, 10.0), st.integers(0, 50)), max_size=60),
)
def test_allowed_cost_never_exceeds_capacity_plus_refill(
    capacity: int, period: float, steps: list[tuple[float, int]]
) -> None:
    rate = capacity / period
    tokens: float | None = None
    now = spent = 0.0
    for gap, cost in steps:
        cost = min(cost, capacity)
        last, now = now, now + gap
        tokens, take = bucket.take(tokens, last, now, capacity, period, cost)
        spent += cost if take.allowed else 0
        assert 0 <= tokens <= capacity
        assert take.allowed or take.retry_after > 0
    assert spent <= capacity + now * rate + 1e-6


@given(capacity=st.integers(1, 50), period=st.floats(0.01, 100.0))
def test_a_bucket_left_alone_for_its_period_is_full_again(capacity: int, period: float) -> None:
    tokens, _ = bucket.take(None, 0.0, 0.0, capacity, period, capacity)
    tokens, take = bucket.take(tokens, 0.0, period, capacity, period, capacity)
    assert take.allowed
