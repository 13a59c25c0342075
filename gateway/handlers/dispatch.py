"""DispatchHandler: the first binding whose condition holds handles the request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from aiohttp import web
from pydantic import Field
from yarl import URL

from gateway.errors import NoRoute
from gateway.heap.baseuri import BaseUri, base_uri
from gateway.heap.fields import Ref
from gateway.keys import EXCHANGE
from gateway.validation import ConfigModel

if TYPE_CHECKING:
    from gateway.contract import HandlerFn
    from gateway.expressions import Expression
    from gateway.heap.context import BuildContext


class Binding(ConfigModel):
    """One dispatch choice."""

    condition: str | None = Field(None, description="Expression; no condition matches every request.")
    handler: Ref = Field(description="Handler for requests that match: a heap name or an inline object.")
    baseURI: str | None = Field(None, description="Rebases the request URI, e.g. http://app:8080.")


class DispatchHandler:
    """Dispatches to the first binding whose condition holds; 404 when none does."""

    class Config(ConfigModel):
        bindings: list[Binding] = Field(description="Tried in order.")

    def __init__(self, bindings: list[tuple[Expression | None, HandlerFn, BaseUri | None]]) -> None:
        self.bindings = bindings

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self:
        """Compile every condition and resolve every handler."""
        bindings = []
        for i, binding in enumerate(config.bindings):
            path = f"bindings[{i}]"
            condition = ctx.expression(binding.condition, f"{path}.condition") if binding.condition else None
            handler = ctx.resolve_handler(binding.handler, f"{path}.handler")
            base = base_uri(binding.baseURI, f"{path}.baseURI", ctx) if binding.baseURI else None
            bindings.append((condition, handler, base))
        return cls(bindings)

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        """Hand the request to the first matching binding."""
        exchange = request[EXCHANGE]
        for condition, handler, base in self.bindings:
            if condition is None or condition.as_bool(exchange.scope):
                if base is not None:
                    exchange.base_uri = base if isinstance(base, URL) else base(exchange.scope)
                return await handler(request)
        raise NoRoute("no dispatch binding matched")
