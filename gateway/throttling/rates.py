"""Rates (`{numberOfRequests, duration}`) and OpenIG's MappedThrottlingPolicy."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Self

from pydantic import Field

from gateway.throttling.fields import RateFields
from gateway.validation import ConfigModel

if TYPE_CHECKING:
    from gateway.expressions import Expression
    from gateway.heap.context import BuildContext
    from gateway.scope import Scope


class RateConfig(ConfigModel):
    """At most `numberOfRequests` per `duration`, with bursts up to `numberOfRequests`."""

    numberOfRequests: int = Field(gt=0, description="Requests allowed per duration (also the burst size).")
    duration: str | float = Field(description='The window, e.g. "1 s", "10 seconds", "1 minute".')


@dataclass(frozen=True, slots=True)
class Rate:
    """A compiled rate."""

    requests: int
    period: float
    name: str
    # The RateLimit-Policy field, built once: it does not change per request.
    policy: str = ""
    # The fields an answer gets, made per change of the counts, not per request.
    fields: RateFields = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        policy = f'"{self.name}";q={self.requests};w={math.ceil(self.period)}'
        object.__setattr__(self, "policy", policy)
        object.__setattr__(self, "fields", RateFields(self.name, policy))

    @classmethod
    def compile(cls, config: RateConfig, path: str, ctx: BuildContext, name: str = "default") -> Rate | None:
        """A rate, or None (error recorded) when its duration is not positive."""
        period = ctx.duration(config.duration, f"{path}.duration")
        if period <= 0 or period == float("inf"):
            ctx.error(f"{path}.duration", f"{config.duration!r} must be a positive, finite duration")
            return None
        return cls(config.numberOfRequests, period, name)


@dataclass(eq=False)
class MappedThrottlingPolicy:
    """Chooses a rate per request: an expression's value looked up in a table, else a default."""

    class Config(ConfigModel):
        throttlingRateMapper: str = Field(description="Expression whose value selects a rate, e.g. a plan header.")
        throttlingRatesMapping: dict[str, RateConfig] = Field(description="Value of the mapper → rate.")
        defaultRate: RateConfig | None = Field(None, description="Rate when the value is not mapped; none = unlimited.")

    mapper: Expression
    rates: dict[str, Rate]
    default: Rate | None

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self:
        """Compile the mapper and every rate."""
        mapper = ctx.expression(config.throttlingRateMapper, "throttlingRateMapper")
        rates = {}
        for key, rate_config in config.throttlingRatesMapping.items():
            rate = Rate.compile(rate_config, f"throttlingRatesMapping.{key}", ctx, key)
            if rate is not None:
                rates[key] = rate
        default = Rate.compile(config.defaultRate, "defaultRate", ctx) if config.defaultRate else None
        return cls(mapper, rates, default)

    def rate(self, scope: Scope) -> Rate | None:
        """The rate for this request; None means unlimited."""
        return self.rates.get(self.mapper.as_str(scope), self.default)
