"""OpenIG's DefaultRateThrottlingPolicy: a delegate policy's rate, or a default rate when it has none."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

from pydantic import Field

from gateway.heap.fields import Ref
from gateway.throttling.rates import MappedThrottlingPolicy, Rate, RateConfig
from gateway.validation import ConfigModel

if TYPE_CHECKING:
    from gateway.heap.context import BuildContext
    from gateway.scope import Scope


@dataclass(eq=False)
class DefaultRateThrottlingPolicy(MappedThrottlingPolicy):
    """Asks `delegateThrottlingRatePolicy` for a rate and uses `defaultRate` when it gives none."""

    class Config(ConfigModel):
        delegateThrottlingRatePolicy: Ref = Field(description="The policy asked first (a MappedThrottlingPolicy).")
        defaultRate: RateConfig = Field(description="The rate when the delegate has none for the request.")

    delegate: MappedThrottlingPolicy | None = None

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self:  # type: ignore[override]
        """Resolve the delegate and compile the default rate."""
        delegate = ctx.resolve(
            config.delegateThrottlingRatePolicy, "delegateThrottlingRatePolicy", MappedThrottlingPolicy
        )
        default = Rate.compile(config.defaultRate, "defaultRate", ctx)
        mapper = delegate.mapper if delegate is not None else ctx.expression("", "delegateThrottlingRatePolicy")
        return cls(mapper, {}, default, delegate)

    def rate(self, scope: Scope) -> Rate | None:
        """The delegate's rate for this request, else the default."""
        found = self.delegate.rate(scope) if self.delegate is not None else None
        return found if found is not None else self.default
