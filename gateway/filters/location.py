"""LocationHeaderFilter: rewrites redirects that point at the upstream so that they point at the gateway."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

from aiohttp import web
from pydantic import Field
from yarl import URL

from gateway.keys import EXCHANGE
from gateway.validation import ConfigModel

if TYPE_CHECKING:
    from gateway.contract import HandlerFn
    from gateway.expressions import Expression
    from gateway.heap.context import BuildContext

# The statuses whose Location OpenIG's filter rewrites.
_REDIRECTS = frozenset({201, 301, 302, 303, 307, 308})


@dataclass(eq=False)
class LocationHeaderFilter:
    """Replaces the upstream's scheme, host and port in a redirect's Location with the gateway's (or `baseURI`)."""

    class Config(ConfigModel):
        baseURI: str | None = Field(
            None, description="Where redirects should point (an expression); none = the URI the client used."
        )

    base: Expression | None

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self:
        """Compile the base URI once."""
        return cls(ctx.expression(config.baseURI, "baseURI") if config.baseURI else None)

    async def filter(self, request: web.BaseRequest, next: HandlerFn) -> web.StreamResponse:
        """Rewrite the Location of a redirect from the upstream."""
        response = await next(request)
        location = response.headers.get("Location")
        exchange = request[EXCHANGE]
        if location is None or response.status not in _REDIRECTS or exchange.base_uri is None:
            return response
        try:
            url = URL(location, encoded=True)
        except ValueError:
            return response
        if not url.is_absolute() or url.origin() != exchange.base_uri.origin():
            return response
        base = URL(self.base.as_str(exchange.scope)) if self.base is not None else _client_origin(request)
        fragment = f"#{url.raw_fragment}" if url.raw_fragment else ""
        response.headers["Location"] = f"{base.origin()}{url.raw_path_qs}{fragment}"
        return response


def _client_origin(request: web.BaseRequest) -> URL:
    return URL.build(scheme=request.scheme, authority=request.host)
