"""ConditionalFilter: runs its delegate filter only when a condition holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

from aiohttp import web
from pydantic import Field

from gateway.heap.fields import Ref
from gateway.keys import EXCHANGE
from gateway.validation import ConfigModel

if TYPE_CHECKING:
    from gateway.contract import Filter, HandlerFn
    from gateway.expressions import Expression
    from gateway.heap.context import BuildContext


@dataclass(eq=False)
class ConditionalFilter:
    """Applies `delegate` when `condition` is true; otherwise the request goes straight on."""

    class Config(ConfigModel):
        condition: str = Field(description="Expression deciding whether the delegate runs.")
        delegate: Ref = Field(description="The filter to run (a heap name or an inline object).")

    condition: Expression
    delegate: Filter

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self:
        """Compile the condition and resolve the delegate once."""
        return cls(ctx.expression(config.condition, "condition"), ctx.resolve_filter(config.delegate, "delegate"))

    async def filter(self, request: web.BaseRequest, next: HandlerFn) -> web.StreamResponse:
        """Delegate or pass through."""
        if self.condition.as_bool(request[EXCHANGE].scope):
            return await self.delegate.filter(request, next)
        return await next(request)
