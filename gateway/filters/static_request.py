"""StaticRequestFilter: replaces the request with a new one (method, URI, headers, form, entity)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Self
from urllib.parse import urlencode

from aiohttp import web
from multidict import CIMultiDict
from pydantic import Field
from yarl import URL

from gateway.errors import BadRequest
from gateway.heap.fields import Values
from gateway.keys import EXCHANGE
from gateway.validation import ConfigModel

if TYPE_CHECKING:
    from gateway.contract import HandlerFn
    from gateway.exchange import Exchange
    from gateway.expressions import Expression
    from gateway.heap.context import BuildContext
    from gateway.scope import Scope

_QUERY_FORM = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})


@dataclass(eq=False)
class StaticRequestFilter:
    """Sends a request of its own making in place of the client's, as OpenIG's filter of that name."""

    class Config(ConfigModel):
        method: str = Field(description="The method of the new request, e.g. POST.")
        uri: str = Field(description="Its URI (expressions allowed); an absolute URI also picks the upstream.")
        version: str = Field("HTTP/1.1", description="Accepted for OpenIG compatibility; the upstream speaks HTTP/1.1.")
        headers: dict[str, Values] = Field(default_factory=dict, description="Headers: name → values (expressions).")
        form: dict[str, Values] = Field(
            default_factory=dict, description="Form fields: in the query for GET, else a urlencoded body."
        )
        entity: str | None = Field(None, description="The body (an expression); not with `form` on a POST.")

    method: str
    uri: Expression
    headers: list[tuple[str, Expression]]
    form: list[tuple[str, Expression]]
    entity: Expression | None

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self:
        """Compile every part once."""
        method = config.method.upper()
        if config.form and config.entity is not None and method not in _QUERY_FORM:
            ctx.error("entity", "give either 'form' or 'entity' for a request with a body, not both")
        entity = ctx.expression(config.entity, "entity") if config.entity is not None else None
        return cls(
            method, ctx.expression(config.uri, "uri"), ctx.expression_lists(config.headers, "headers"),
            ctx.expression_lists(config.form, "form"), entity,
        )  # fmt: skip

    async def filter(self, request: web.BaseRequest, next: HandlerFn) -> web.StreamResponse:
        """Build the new request and pass it on instead of the client's."""
        exchange = request[EXCHANGE]
        scope = exchange.scope
        target = self._target(scope, exchange)
        headers: CIMultiDict[str] = CIMultiDict((name, value.as_str(scope)) for name, value in self.headers)
        body = self._body(scope, headers)
        if body is not None:
            headers["Content-Length"] = str(len(body))
        elif request.body_exists:
            headers["Content-Length"] = "0"
            body = b""
        if self.form and self.method in _QUERY_FORM:
            target = target.extend_query(self._fields(scope))
        new = request.clone(method=self.method, rel_url=target, headers=headers)
        exchange.edited_headers = CIMultiDict(headers)
        exchange.request_body = _once(body) if body is not None else None
        scope.request = new
        scope.refresh("request")
        return await next(new)

    def _target(self, scope: Scope, exchange: Exchange) -> URL:
        text = self.uri.as_str(scope)
        try:
            url = URL(text)
        except ValueError as exc:
            raise BadRequest(f"StaticRequestFilter uri {text!r}: {exc}") from exc
        if url.is_absolute():
            exchange.base_uri = url.origin()
        return URL.build(path=url.raw_path or "/", query_string=url.raw_query_string, encoded=True)

    def _body(self, scope: Scope, headers: CIMultiDict[str]) -> bytes | None:
        if self.entity is not None:
            return self.entity.as_str(scope).encode()
        if not self.form or self.method in _QUERY_FORM:
            return None
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        return urlencode(self._fields(scope)).encode()

    def _fields(self, scope: Scope) -> list[tuple[str, str]]:
        return [(name, value.as_str(scope)) for name, value in self.form]


async def _once(body: bytes) -> AsyncIterator[bytes]:
    if body:
        yield body
