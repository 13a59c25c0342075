"""HeaderFilter: removes and adds headers on the request or the response."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Self

from aiohttp import web
from multidict import CIMultiDict
from pydantic import Field

from gateway.heap.fields import Values
from gateway.http.headers import normalise_header, strippable
from gateway.keys import EXCHANGE
from gateway.validation import ConfigModel

if TYPE_CHECKING:
    from gateway.contract import HandlerFn
    from gateway.expressions import Expression
    from gateway.heap.context import BuildContext
    from gateway.scope import Scope


@dataclass(eq=False)
class HeaderFilter:
    """Edits headers of one message type; added values may be expressions."""

    class Config(ConfigModel):
        messageType: Literal["REQUEST", "RESPONSE", "request", "response"] = Field(
            description="Which message to edit: REQUEST (towards the upstream) or RESPONSE."
        )
        remove: list[str] = Field(default_factory=list, description="Header names to remove.")
        add: dict[str, Values] = Field(
            default_factory=dict, description="Headers to add: name → value or list of values (expressions allowed)."
        )

    on_request: bool
    remove: tuple[str, ...]
    add: list[tuple[str, Expression]]

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self:
        """Compile the added values once; names added to requests are stripped from every client request."""
        add = ctx.expression_lists(config.add, "add")
        on_request = config.messageType.upper() == "REQUEST"
        if on_request:
            # Else a client sends its own X-Route first, and an upstream reading the first value believes it.
            # Authorization, Host, X-Forwarded-* and the like stay: `remove` them to replace the client's.
            names = (normalise_header(name) for name in config.add)
            ctx.injected_headers.update(name for name in names if strippable(name))
        return cls(on_request, tuple(config.remove), add)

    async def filter(self, request: web.BaseRequest, next: HandlerFn) -> web.StreamResponse:
        """Edit the request before `next`, or the response after it."""
        exchange = request[EXCHANGE]
        if self.on_request:
            headers = exchange.edit_headers(request.headers)
            self._apply(headers, exchange.scope)
            return await next(request)
        response = await next(request)
        exchange.scope.set_response(response)
        self._apply(response.headers, exchange.scope)
        return response

    def _apply(self, headers: CIMultiDict[str], scope: Scope) -> None:
        for name in self.remove:
            headers.popall(name, None)
        for name, value in self.add:
            headers.add(name, value.as_str(scope))
