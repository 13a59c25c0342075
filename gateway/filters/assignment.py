"""AssignmentFilter: writes values (expressions) to attributes or headers on the request or the response."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Self

from aiohttp import web
from pydantic import Field

from gateway.heap.response_scope import WithResponse, response_expression
from gateway.heap.targets import SUPPORTED, Target, compile_target
from gateway.keys import EXCHANGE
from gateway.validation import ConfigModel

if TYPE_CHECKING:
    from gateway.contract import HandlerFn
    from gateway.expressions import Expression
    from gateway.heap.context import BuildContext


class AssignmentBinding(ConfigModel):
    """One assignment: when `condition` holds, `target` gets the value of `value`."""

    target: str = Field(description=f"Where the value goes: {SUPPORTED}.")
    value: str | None = Field(None, description="The value (an expression); none assigns null.")
    condition: str | None = Field(None, description="Assign only when this expression is true.")


@dataclass(frozen=True, slots=True)
class _Assignment:
    condition: Expression | None
    target: Target
    value: Expression | None


@dataclass(eq=False)
class AssignmentFilter:
    """Assigns values to writable places of the exchange before the request goes on and after the response."""

    class Config(ConfigModel):
        onRequest: list[AssignmentBinding] = Field(
            default_factory=list, description="Assignments before the request goes on."
        )
        onResponse: list[AssignmentBinding] = Field(
            default_factory=list, description="Assignments when the response is back."
        )

    on_request: tuple[_Assignment, ...]
    on_response: tuple[_Assignment, ...]

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self:
        """Compile every condition, target and value once."""
        return cls(
            _compile(config.onRequest, "onRequest", ctx, False), _compile(config.onResponse, "onResponse", ctx, True)
        )

    async def filter(self, request: web.BaseRequest, next: HandlerFn) -> web.StreamResponse:
        """Assign on the way in, then on the way out."""
        exchange = request[EXCHANGE]
        self._assign(request, self.on_request, exchange.scope)
        response = await next(request)
        if self.on_response:
            self._assign(request, self.on_response, WithResponse(exchange.scope, response))
        return response

    @staticmethod
    def _assign(request: web.BaseRequest, assignments: tuple[_Assignment, ...], scope: Mapping[str, Any]) -> None:
        exchange = request[EXCHANGE]
        for item in assignments:
            if item.condition is None or item.condition.as_bool(scope):
                item.target.assign(request, exchange, item.value(scope) if item.value is not None else None)
                exchange.scope.refresh("request")


def _compile(
    bindings: list[AssignmentBinding], path: str, ctx: BuildContext, on_response: bool
) -> tuple[_Assignment, ...]:
    compile_ = partial(response_expression, ctx) if on_response else ctx.expression
    out = []
    for index, binding in enumerate(bindings):
        where = f"{path}[{index}]"
        target = compile_target(binding.target, f"{where}.target", ctx)
        condition = compile_(binding.condition, f"{where}.condition") if binding.condition else None
        value = compile_(binding.value, f"{where}.value") if binding.value is not None else None
        if target is not None:
            out.append(_Assignment(condition, target, value))
    return tuple(out)
