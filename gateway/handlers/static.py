"""StaticResponseHandler: answers with a fixed status, headers and entity (expressions allowed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

from aiohttp import web
from multidict import CIMultiDict
from pydantic import Field

from gateway.heap.fields import Values
from gateway.keys import EXCHANGE
from gateway.validation import ConfigModel

if TYPE_CHECKING:
    from gateway.expressions import Expression
    from gateway.heap.context import BuildContext


@dataclass(eq=False)
class StaticResponseHandler:
    """Answers every request itself, without calling an upstream."""

    class Config(ConfigModel):
        status: int = Field(200, ge=100, le=599, description="HTTP status code of the response.")
        reason: str | None = Field(None, description="Reason phrase; defaults to the standard one.")
        headers: dict[str, Values] = Field(
            default_factory=dict, description="Response headers: name → value or list of values (expressions allowed)."
        )
        entity: str | None = Field(None, description="Response body (expressions allowed).")

    status: int
    reason: str | None
    headers: list[tuple[str, Expression]]
    entity: Expression | None

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self:
        """Compile the header and entity expressions."""
        headers = ctx.expression_lists(config.headers, "headers")
        entity = ctx.expression(config.entity, "entity") if config.entity is not None else None
        return cls(config.status, config.reason, headers, entity)

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        """Build the response from the compiled template."""
        scope = request[EXCHANGE].scope
        headers: CIMultiDict[str] = CIMultiDict()
        for name, value in self.headers:
            headers.add(name, value.as_str(scope))
        body = self.entity.as_str(scope) if self.entity is not None else None
        return web.Response(status=self.status, reason=self.reason, headers=headers, text=body)
