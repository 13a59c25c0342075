"""The in-place bucket of the in-process store answers exactly as the shared bucket arithmetic."""

from __future__ import annotations

import math
import random

from gateway.stores import bucket


def test_in_place_bucket_matches_the_shared_arithmetic_step_by_step() -> None:
    rng = random.Random(7)
    capacity, period, now = 5, 2.0, 100.0
    in_place = bucket.Bucket(capacity, period, now)
    tokens: float | None = None
    last = now
    for _ in range(500):
        now += rng.choice((0.0, 0.01, 0.1, 0.4, 1.5, -0.2))  # bursts, pauses, and a clock stepping back
        cost = rng.choice((1, 1, 2))
        tokens, expected = bucket.take(tokens, last, now, capacity, period, cost)
        last = now
        assert in_place.result(in_place.take(now, cost), cost) == expected
        assert in_place.tokens == tokens
        assert in_place.headroom() == (expected.remaining, math.ceil(expected.reset))
