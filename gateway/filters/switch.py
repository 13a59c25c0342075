"""SwitchFilter: hands the exchange to the handler of the first case whose condition holds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Self

from aiohttp import web
from aiohttp.payload import Payload
from pydantic import Field

from gateway.heap.fields import Ref
from gateway.heap.response_scope import WithResponse, response_expression
from gateway.keys import EXCHANGE
from gateway.validation import ConfigModel

if TYPE_CHECKING:
    from gateway.contract import HandlerFn
    from gateway.expressions import Expression
    from gateway.heap.context import BuildContext


class SwitchCase(ConfigModel):
    """One case: when `condition` holds (or there is none), `handler` answers."""

    condition: str | None = Field(None, description="Expression choosing this case; none = always.")
    handler: Ref = Field(description="The handler that answers in this case.")


_Cases = tuple[tuple["Expression | None", "HandlerFn"], ...]


@dataclass(eq=False)
class SwitchFilter:
    """On the request, diverts to a case's handler instead of going on; on the response, replaces it."""

    class Config(ConfigModel):
        onRequest: list[SwitchCase] = Field(default_factory=list, description="Cases tried before the request goes on.")
        onResponse: list[SwitchCase] = Field(default_factory=list, description="Cases tried when the response is back.")

    on_request: _Cases
    on_response: _Cases

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self:
        """Compile the conditions and resolve the handlers once."""
        return cls(
            _compile(config.onRequest, "onRequest", ctx, False), _compile(config.onResponse, "onResponse", ctx, True)
        )

    async def filter(self, request: web.BaseRequest, next: HandlerFn) -> web.StreamResponse:
        """The first matching request case answers; else go on and try the response cases."""
        scope = request[EXCHANGE].scope
        handler = _first(self.on_request, scope)
        if handler is not None:
            return await handler(request)
        response = await next(request)
        if not self.on_response:
            return response
        handler = _first(self.on_response, WithResponse(scope, response))
        if handler is None:
            return response
        await _drop(response)
        return await handler(request)


async def _drop(response: web.StreamResponse) -> None:
    """Free what the replaced response holds (a streamed upstream body keeps a connection)."""
    body = response.body if isinstance(response, web.Response) else None
    if isinstance(body, Payload):
        await body.close()


def _first(cases: _Cases, scope: Mapping[str, Any]) -> HandlerFn | None:
    for condition, handler in cases:
        if condition is None or condition.as_bool(scope):
            return handler
    return None


def _compile(cases: list[SwitchCase], path: str, ctx: BuildContext, on_response: bool) -> _Cases:
    compile_ = partial(response_expression, ctx) if on_response else ctx.expression
    return tuple(
        (
            compile_(case.condition, f"{path}[{index}].condition") if case.condition is not None else None,
            ctx.resolve_handler(case.handler, f"{path}[{index}].handler"),
        )
        for index, case in enumerate(cases)
    )
