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


class Bucket:
    """One token bucket kept in this process, updated in place by `take` (no object made per request):
    the same arithmetic as `take` above, for the in-process store's hot path."""

    __slots__ = ("capacity", "last", "rate", "tokens")

    def __init__(self, capacity: int, period: float, now: float) -> None:
        self.capacity = float(capacity)
        self.rate = capacity / period
        self.tokens = self.capacity
        self.last = now

    def resize(self, capacity: int, period: float) -> None:
        """Another rate for the same bucket; the next `take` caps the tokens to the new capacity."""
        self.capacity = float(capacity)
        self.rate = capacity / period

    def take(self, now: float, cost: int = 1) -> bool:
        """Refill for the time since the last take, then take `cost` tokens if there are enough."""
        # A clock that steps back must not drain the bucket, hence the check on `now`.
        tokens = self.tokens + (now - self.last) * self.rate if now > self.last else self.tokens
        if tokens > self.capacity:
            tokens = self.capacity
        self.last = now
        if tokens + EPSILON >= cost:
            self.tokens = tokens - cost if tokens > cost else 0.0
            return True
        self.tokens = tokens
        return False

    def headroom(self) -> tuple[int, int]:
        """Whole tokens left and whole seconds until full: the `r` and `t` of a RateLimit field, in one call."""
        return math.floor(self.tokens + EPSILON), math.ceil((self.capacity - self.tokens) / self.rate)

    @property
    def remaining(self) -> int:
        """Whole tokens left."""
        return math.floor(self.tokens + EPSILON)

    @property
    def reset(self) -> float:
        """Seconds until the bucket is full again."""
        return (self.capacity - self.tokens) / self.rate

    @property
    def full_at(self) -> float:
        """When the bucket will be full again (then it is the same as no bucket)."""
        return self.last + self.reset

    def retry_after(self, cost: int = 1) -> float:
        """Seconds until `cost` tokens are there (0 when they are now)."""
        return max(0.0, (cost - self.tokens) / self.rate)

    def result(self, allowed: bool, cost: int = 1) -> Take:
        """The outcome of the last `take` as the stores answer it."""
        return Take(allowed, self.remaining, 0.0 if allowed else self.retry_after(cost), self.reset)
