"""ClientHandler: forwards the request to the upstream and streams both bodies through."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Self

import aiohttp
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field
from yarl import URL

from gateway.errors import GatewayError, UpstreamTimeout, UpstreamUnavailable
from gateway.handlers.body import UpstreamBody
from gateway.handlers.forwarding import end_to_end, set_forwarded
from gateway.handlers.websocket import is_upgrade, proxy_websocket
from gateway.keys import EXCHANGE

if TYPE_CHECKING:
    from gateway.heap.context import BuildContext
    from gateway.services import Services

log = logging.getLogger("gateway.proxy")

# Bodies up to this size are read whole: cheaper than streaming for the common small response.
_SMALL_BODY = 64 * 1024
# The client may not choose these: aiohttp would otherwise add its own defaults.
_SKIP_AUTO = frozenset({"Accept", "Accept-Encoding", "User-Agent", "Content-Type"})
_DROP_REQUEST = frozenset({"host", "content-length"})
_NO_CONTENT_TYPE = object()


class NoBaseUri(GatewayError):
    """The route sends to ClientHandler without a baseURI."""

    code = "no_base_uri"
    public = "This route has no upstream configured."


class ClientHandler:
    """Sends the request to the route's baseURI over the shared keep-alive pool."""

    class Config(BaseModel):
        model_config = ConfigDict(extra="forbid")
        connectionTimeout: str | float = Field("10 s", description='Time to connect to the upstream, e.g. "10 s".')
        soTimeout: str | float = Field("60 s", description='Time to wait for upstream data before a 504, e.g. "60 s".')
        keepHost: bool = Field(False, description="Send the client's Host header upstream instead of the upstream's.")

    def __init__(self, services: Services, timeout: aiohttp.ClientTimeout, keep_host: bool) -> None:
        self.services = services
        self.timeout = timeout
        self.keep_host = keep_host

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self:
        """Resolve the timeouts once."""
        timeout = aiohttp.ClientTimeout(
            total=None,
            sock_connect=ctx.duration(config.connectionTimeout, "connectionTimeout"),
            sock_read=ctx.duration(config.soTimeout, "soTimeout"),
        )
        return cls(ctx.services, timeout, config.keepHost)

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        """Forward the request; map upstream failures to 502/504."""
        exchange = request[EXCHANGE]
        if exchange.base_uri is None:
            raise NoBaseUri("the route reached ClientHandler with no baseURI")
        url = URL(str(exchange.base_uri) + request.raw_path, encoded=True)
        headers = self._upstream_headers(request)
        if is_upgrade(request):
            return await proxy_websocket(request, self._http(), url, headers)
        try:
            upstream = await self._http().request(
                request.method,
                url,
                headers=headers,
                data=request.content if request.body_exists else None,
                allow_redirects=False,
                auto_decompress=False,
                skip_auto_headers=_SKIP_AUTO,
                timeout=self.timeout,
            )
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise UpstreamTimeout(f"{url.origin()}: {type(exc).__name__}") from exc
        except aiohttp.ClientError as exc:
            raise UpstreamUnavailable(f"{url.origin()}: {exc}") from exc
        return await self._response(upstream, request.method)

    def _http(self) -> aiohttp.ClientSession:
        http = self.services.http
        if http is None:
            raise UpstreamUnavailable("the upstream client is not running")
        return http

    def _upstream_headers(self, request: web.BaseRequest) -> dict[str, str] | aiohttp.typedefs.LooseHeaders:
        exchange = request[EXCHANGE]
        headers = end_to_end(exchange.request_headers(request.headers), _DROP_REQUEST)
        length = request.headers.get("Content-Length")
        if length is not None:
            headers["Content-Length"] = length
        settings = self.services.settings
        trusted = settings.is_trusted_proxy(request.remote)
        set_forwarded(headers, peer=request.remote, scheme=request.scheme, host=request.host, trusted=trusted)
        if self.keep_host or exchange.keep_host:
            headers["Host"] = request.host
        return headers

    async def _response(self, upstream: aiohttp.ClientResponse, method: str) -> web.StreamResponse:
        headers = end_to_end(upstream.headers)
        length = upstream.content_length
        if method == "HEAD" or upstream.status in (204, 304) or (length is not None and length <= _SMALL_BODY):
            try:
                body = await upstream.read()
            except (TimeoutError, aiohttp.ClientError) as exc:
                upstream.release()
                raise UpstreamUnavailable(f"reading the upstream body: {exc!r}") from exc
            response = web.Response(status=upstream.status, reason=upstream.reason, headers=headers)
            if body:
                response.body = body
            return response
        had_type = "Content-Type" in headers
        response = web.Response(status=upstream.status, reason=upstream.reason, headers=headers)
        response.body = UpstreamBody(upstream)
        if not had_type:
            # aiohttp adds a default type to payload bodies; the upstream sent none.
            response.headers.popall("Content-Type", None)
        return response


