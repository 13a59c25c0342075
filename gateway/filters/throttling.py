"""ThrottlingFilter: OpenIG's rate limiting as token buckets, answering 429 with Retry-After and the
IETF RateLimit-Policy / RateLimit fields (draft-ietf-httpapi-ratelimit-headers)."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Self

from aiohttp import web
from pydantic import Field

from gateway.errors import GatewayError, Unavailable
from gateway.http.defaults import set_defaults
from gateway.keys import EXCHANGE
from gateway.stores.base import StoreUnavailable
from gateway.stores.memory import MemoryStore
from gateway.throttling.rates import MappedThrottlingPolicy, Rate, RateConfig
from gateway.validation import ConfigModel

if TYPE_CHECKING:
    from gateway.contract import HandlerFn
    from gateway.exchange import Exchange
    from gateway.expressions import Expression
    from gateway.heap.context import BuildContext
    from gateway.services import Services

log = logging.getLogger("gateway.throttling")

# After a store failure the filter decides locally for this long, so a dead Redis costs one timeout
# per second instead of one per request.
_BREAKER_SECONDS = 1.0


class Throttled(GatewayError, status=429, code="rate_limited", public="Too many requests; retry later."):
    """The caller went over its rate."""


class ThrottlingUnavailable(Unavailable, code="rate_limit_unavailable"):
    """The counters cannot be reached and the route says to deny."""

    public = "The service is temporarily unavailable; retry later."


@dataclass(eq=False)
class ThrottlingFilter:
    """Limits requests per group (an expression, e.g. the client address) with a token bucket."""

    class Config(ConfigModel):
        requestGroupingPolicy: str = Field(
            "", description="Expression naming the bucket; empty = one bucket per route."
        )
        rate: RateConfig | None = Field(None, description="The rate for every group.")
        throttlingRatePolicy: str | dict[str, Any] | None = Field(
            None, description="A MappedThrottlingPolicy (name or inline) choosing the rate per request."
        )
        cleaningInterval: str | float = Field("5 minutes", description="Accepted for OpenIG compatibility.")
        onStoreError: Literal["allow", "deny"] = Field("allow", description="What to do when the store is unreachable.")

    services: Services
    key: str
    group: Expression | None
    rate: Rate | None
    policy: MappedThrottlingPolicy | None
    deny_on_error: bool
    # Until when the store counts as down: requests take the onStoreError answer without waiting on it.
    _down_until: float = field(default=0.0, init=False)
    # The bucket key of each rate for the ungrouped bucket, built once instead of per request.
    _keys: dict[int, str] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        rates = [self.rate] if self.policy is None else [*self.policy.rates.values(), self.policy.default]
        # By id: the rates live as long as the filter, and hashing a frozen dataclass hashes every field.
        self._keys = {id(rate): f"{self.key}:{rate.name}:" for rate in rates if rate is not None}

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self:
        """Compile the grouping expression and the rate or policy."""
        if (config.rate is None) == (config.throttlingRatePolicy is None):
            ctx.error("", "give exactly one of 'rate' or 'throttlingRatePolicy'")
        rate = Rate.compile(config.rate, "rate", ctx) if config.rate else None
        policy = None
        if config.throttlingRatePolicy is not None:
            policy = ctx.resolve(config.throttlingRatePolicy, "throttlingRatePolicy", MappedThrottlingPolicy)
        ctx.duration(config.cleaningInterval, "cleaningInterval")
        group = (
            ctx.expression(config.requestGroupingPolicy, "requestGroupingPolicy")
            if config.requestGroupingPolicy
            else None
        )
        key = f"throttle:{ctx.file}:{ctx.base}"
        return cls(ctx.services, key, group, rate, policy, config.onStoreError == "deny")

    async def filter(self, request: web.BaseRequest, next: HandlerFn) -> web.StreamResponse:
        """Take a token or answer 429."""
        # The exchange only when needed: looking it up on the request is a call of its own.
        rate = self.rate if self.policy is None else self.policy.rate(request[EXCHANGE].scope)
        if rate is None:
            return await next(request)
        group = self.group.as_str(request[EXCHANGE].scope) if self.group is not None else ""
        key = self._keys.get(id(rate)) if not group else None
        key = key or f"{self.key}:{rate.name}:{group}"
        counters = self.services.counters
        # This worker's own buckets (the default store) are updated in place, with no await.
        taken = counters.take_in_place(key, rate.requests, rate.period) if type(counters) is MemoryStore else None
        if taken is not None:
            bucket, allowed = taken
            remaining, reset = bucket.headroom()
            retry_after = 0.0 if allowed else bucket.retry_after()
        else:
            answer = await self._take(key, rate)
            if answer is None:
                return await next(request)
            allowed, remaining, reset, retry_after = answer
        if not allowed:
            raise self._throttled(request[EXCHANGE], group, rate, retry_after, rate.fields.state(remaining, reset))
        response = await next(request)
        # Set without decoding a relayed answer's headers: they may still be written from its bytes.
        set_defaults(response, rate.fields.of(remaining, reset))
        return response

    def _throttled(self, exchange: Exchange, group: str, rate: Rate, retry_after: float, state: str) -> Throttled:
        route = exchange.route.name if exchange.route else "-"
        self.services.metrics.throttled.labels(route).inc()
        error = Throttled(f"group {group!r} over {rate.requests} per {rate.period:g} s")
        error.headers = {
            "Retry-After": str(max(1, math.ceil(retry_after))),
            "RateLimit-Policy": rate.policy,
            "RateLimit": state,
        }
        return error

    async def _take(self, key: str, rate: Rate) -> tuple[bool, int, int, float] | None:
        """From a shared store: allowed, tokens left, whole seconds until full, seconds until allowed;
        None when the store is unreachable and the route says to allow."""
        now = time.monotonic()
        if now >= self._down_until:
            try:
                take = await self.services.counters.take(key, rate.requests, rate.period)
                return take.allowed, take.remaining, math.ceil(take.reset), take.retry_after
            except StoreUnavailable as exc:
                self._down_until = now + _BREAKER_SECONDS
                log.warning(
                    "throttling store unavailable (%s); onStoreError=%s", exc, "deny" if self.deny_on_error else "allow"
                )
        self.services.metrics.store_errors.labels("throttling").inc()
        if self.deny_on_error:
            raise ThrottlingUnavailable("the throttling store is unreachable")
        return None
