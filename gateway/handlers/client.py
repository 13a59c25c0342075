"""ClientHandler: forwards the request to the upstream and streams both bodies through."""

from __future__ import annotations

import logging
import ssl
from collections.abc import AsyncIterable, Iterable
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING, Self

import aiohttp
from aiohttp import web
from multidict import CIMultiDict
from pydantic import Field
from yarl import URL

from gateway.durations import Duration
from gateway.errors import BadRequest, GatewayError, UpstreamUnavailable
from gateway.handlers.body import UpstreamBody
from gateway.handlers.relayed import RelayedResponse
from gateway.handlers.websocket import is_upgrade, proxy_websocket
from gateway.http.forwarding import HOP_BY_HOP, forwarded_request_headers, response_headers
from gateway.http.paths import origin_form
from gateway.keys import EXCHANGE, RELAYED
from gateway.upstream.pool import Timeouts, UpstreamPool
from gateway.upstream.response import UpstreamResponse
from gateway.upstream.tls import TlsConfigError, TlsOptions, client_context
from gateway.validation import ConfigModel

if TYPE_CHECKING:
    from gateway.heap.context import BuildContext
    from gateway.services import Services

log = logging.getLogger("gateway.proxy")

# Bodies up to this size are read whole: cheaper than streaming for the common small response.
_SMALL_BODY = 64 * 1024
# Without a body, requests of other methods say Content-Length: 0 (RFC 9110 §8.6), as aiohttp's client did.
_BODILESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "CONNECT"})
# Host is the upstream's (unless kept), Content-Length is the body's, Expect is answered here.
_DROP_REQUEST = HOP_BY_HOP | {"host", "content-length", "expect"}
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_NO_BODY = frozenset({204, 304})


@dataclass(slots=True, eq=False)
class Outgoing:
    """The request as sent upstream: origin and request target, headers after the gateway's edits, and the body."""

    method: str
    base: URL
    target: str
    headers: CIMultiDict[str]
    body: AsyncIterable[bytes] | None

    @property
    def url(self) -> URL:
        """The absolute upstream URL, for records and websockets."""
        return join_target(self.base, self.target)


class NoBaseUri(GatewayError, code="no_base_uri", public="This route has no upstream configured."):
    """The route sends to ClientHandler without a baseURI."""


class ExpectationFailed(GatewayError, status=417, code="expectation_failed"):
    """The client expects something other than 100-continue (RFC 9110 §10.1.1)."""

    public = "The expectation given in the Expect header cannot be met."


@dataclass(eq=False)
class ClientHandler:
    """Sends the request to the route's baseURI over the shared keep-alive pool."""

    class Config(ConfigModel):
        connectionTimeout: Duration = Field(10.0, description='Time to connect to the upstream, e.g. "10 s".')
        soTimeout: Duration = Field(60.0, description='Time to wait for upstream data before a 504, e.g. "60 s".')
        keepHost: bool = Field(False, description="Send the client's Host header upstream instead of the upstream's.")
        tls: TlsOptions | None = Field(None, description="TLS to an https upstream: CA bundle, client certificate.")

    services: Services
    timeouts: Timeouts
    keep_host: bool
    tls: ssl.SSLContext | None = None

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self:
        """Resolve the timeouts once."""
        timeouts = Timeouts(
            connect=ctx.duration(config.connectionTimeout, "connectionTimeout"),
            read=ctx.duration(config.soTimeout, "soTimeout"),
        )
        return cls(ctx.services, timeouts, config.keepHost, _tls(config.tls, ctx))

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        """Forward the request; map upstream failures to 502/504."""
        return await self.send(request, self.outgoing(request))

    def outgoing(self, request: web.BaseRequest) -> Outgoing:
        """The upstream request this handler would send, for `send` (capture records it in between)."""
        exchange = request[EXCHANGE]
        if exchange.base_uri is None:
            raise NoBaseUri("the route reached ClientHandler with no baseURI")
        body = exchange.request_body
        if body is None and request.body_exists:
            body = request.content
        base, target = exchange.base_uri, request_target(request)
        if base.raw_path != "/":
            # A baseURI with a path prefix (checked at load: no trailing slash) goes before the request path.
            base, target = base.origin(), base.raw_path + target
        return Outgoing(request.method, base, target, self._headers(request), body)

    async def send(self, request: web.BaseRequest, out: Outgoing) -> web.StreamResponse:
        """Send `out` upstream and relay the answer."""
        if is_upgrade(request):
            return await proxy_websocket(request, self._http(), out.url, out.headers, self.tls)
        if "Expect" in request.headers:
            await _answer_expect(request)
        pool = self._pool()
        origin = pool.origin(out.base, self.tls)
        length = _body_length(out, out.headers)
        fields: Iterable[tuple[str, str]] = out.headers.items()
        if "Host" not in out.headers:
            # First, where clients put it (RFC 9112 §3.2) and where the capture record shows it.
            fields = chain(((("Host", origin.host_header)),), fields)
        upstream = await pool.request(origin, out.method, out.target, fields, out.body, length, self.timeouts)
        return await _response(upstream, request.method)

    def _pool(self) -> UpstreamPool:
        pool = self.services.upstream
        if pool is None:
            raise UpstreamUnavailable("the upstream client is not running")
        return pool

    def _http(self) -> aiohttp.ClientSession:
        http = self.services.http
        if http is None:
            raise UpstreamUnavailable("the upstream client is not running")
        return http

    def _headers(self, request: web.BaseRequest) -> CIMultiDict[str]:
        exchange = request[EXCHANGE]
        headers = forwarded_request_headers(
            exchange.request_headers(request.headers), _DROP_REQUEST, peer=request.remote, scheme=request.scheme
        )
        length = request.headers.get("Content-Length")
        if length is not None:
            headers["Content-Length"] = length
        if self.keep_host or exchange.keep_host:
            host = request.headers.get("Host")
            if host:
                headers["Host"] = host
        return headers


def _tls(options: TlsOptions | None, ctx: BuildContext) -> ssl.SSLContext | None:
    """The handler's own TLS context, built once when the route loads (None: the pool's default)."""
    if options is None:
        return None
    try:
        return client_context(options, f" for {ctx.file or 'the global heap'} {ctx.where('tls')}")
    except TlsConfigError as exc:
        ctx.error(f"tls.{exc.option}", str(exc))
        return None


def request_target(request: web.BaseRequest) -> str:
    """The client's request target in origin form, byte for byte (no re-encoding)."""
    target = request.raw_path
    if not target.startswith("/"):
        # Absolute-form: the authority named this gateway; the upstream gets the path and query.
        target = origin_form(target)
        if not target.startswith("/"):
            raise BadRequest(f"request target {target!r} is not a path")
    return target


def join_target(base: URL, target: str) -> URL:
    """The upstream origin with a request target, as one URL."""
    try:
        if target.endswith("?") and target.index("?") == len(target) - 1:
            # yarl drops an empty query; as part of the path its `?` reaches the request line.
            return base.with_path(target, encoded=True)
        return URL(str(base) + target, encoded=True)
    except ValueError as exc:
        raise BadRequest(f"request target {target!r}: {exc}") from exc


def _body_length(out: Outgoing, headers: CIMultiDict[str]) -> int | None:
    """The body's declared length; None sends it chunked. A method with content but no body says 0."""
    declared = headers.get("Content-Length")
    if declared is not None:
        return int(declared)
    if out.body is None and out.method not in _BODILESS_METHODS:
        headers["Content-Length"] = "0"
        return 0
    if out.body is not None:
        headers["Transfer-Encoding"] = "chunked"
    return None


async def _answer_expect(request: web.BaseRequest) -> None:
    """Answer `Expect: 100-continue` here: the upstream request carries the body without it."""
    if request.headers["Expect"].lower() != "100-continue":
        raise ExpectationFailed(f"Expect: {request.headers['Expect']!r}")
    if request.version >= aiohttp.HttpVersion11 and request.body_exists:
        await request.writer.write(_CONTINUE)


async def _response(upstream: UpstreamResponse, method: str) -> web.StreamResponse:
    """The client's response: small or empty bodies read whole, others streamed."""
    length = upstream.content_length
    whole = method == "HEAD" or upstream.status in _NO_BODY or (length is not None and length <= _SMALL_BODY)
    if whole:
        try:
            body = await upstream.read()
        finally:
            upstream.close()
        return RelayedResponse(upstream.status, upstream.reason, upstream.raw_headers, body)
    response = web.Response(status=upstream.status, reason=upstream.reason)
    response[RELAYED] = True
    # Filled in place: passing headers to the constructor would copy them once more.
    response.headers.extend(response_headers(upstream.raw_headers))
    # Without a Content-Type from the upstream, aiohttp labels any body application/octet-stream.
    response.body = UpstreamBody(upstream)
    return response
