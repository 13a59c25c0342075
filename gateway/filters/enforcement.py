"""ConditionEnforcementFilter: lets a request on only when a condition holds, else 403 or a failure handler."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

from aiohttp import web
from pydantic import Field

from gateway.errors import Forbidden
from gateway.heap.fields import Ref
from gateway.keys import EXCHANGE
from gateway.validation import ConfigModel

if TYPE_CHECKING:
    from gateway.contract import HandlerFn
    from gateway.expressions import Expression
    from gateway.heap.context import BuildContext


class ConditionNotMet(Forbidden, code="forbidden"):
    """The route's enforced condition is false for this request."""

    public = "The request does not meet the conditions of this route."


@dataclass(eq=False)
class ConditionEnforcementFilter:
    """Passes the request on when `condition` is true; otherwise answers 403 or calls `failureHandler`."""

    class Config(ConfigModel):
        condition: str = Field(description="Expression that must be true for the request to go on.")
        failureHandler: Ref | None = Field(None, description="Handler answering refused requests; none = 403.")

    condition: Expression
    failure: HandlerFn | None

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self:
        """Compile the condition and resolve the failure handler once."""
        failure = ctx.resolve_handler(config.failureHandler, "failureHandler") if config.failureHandler else None
        return cls(ctx.expression(config.condition, "condition"), failure)

    async def filter(self, request: web.BaseRequest, next: HandlerFn) -> web.StreamResponse:
        """Go on, or refuse."""
        if self.condition.as_bool(request[EXCHANGE].scope):
            return await next(request)
        if self.failure is not None:
            return await self.failure(request)
        raise ConditionNotMet(f"condition {self.condition.source!r} is false")
