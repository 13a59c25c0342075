"""Token bucket arithmetic shared by the in-process and SQLite stores (Redis runs it in Lua)."""

from __future__ import annotations

import math

from gateway.stores.base import Take

# Float sums such as 3 * (1/3) land just under a whole token; do not deny for that.
EPSILON = 1e-9


def check_take(capacity: int, period: float, cost: int) -> None:
    """Refuse a bucket that could never answer sensibly."""
    if capacity < 1:
        raise ValueError(f"capacity must be at least 1, not {capacity}")
    if not (period > 0 and math.isfinite(period)):
        raise ValueError(f"period must be a positive number of seconds, not {period}")
    if not 0 <= cost <= capacity:
        raise ValueError(f"cost must be between 0 and the capacity {capacity}, not {cost}")


def take(tokens: float | None, last: float, now: float, capacity: int, period: float, cost: int) -> tuple[float, Take]:
    """Refill a bucket last seen at `last` holding `tokens` (None: new), then take `cost`."""
    rate = capacity / period
    # A clock that steps back must not drain the bucket, hence max(0, ...).
    tokens = float(capacity) if tokens is None else min(float(capacity), tokens + max(0.0, now - last) * rate)
    allowed = tokens + EPSILON >= cost
    if allowed:
        tokens = max(0.0, tokens - cost)
    retry_after = 0.0 if allowed else (cost - tokens) / rate
    reset = (capacity - tokens) / rate
    return tokens, Take(allowed, math.floor(tokens + EPSILON), retry_after, reset)
