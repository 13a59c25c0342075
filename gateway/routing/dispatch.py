"""The main listener's one handler: request id, path checks, header stripping, route match, errors, telemetry."""

from __future__ import annotations

import itertools
import logging
import os
from time import perf_counter
from typing import TYPE_CHECKING

from aiohttp import web
from yarl import URL

from gateway.errors import BadRequest, GatewayError, NoRoute
from gateway.exchange import Exchange
from gateway.http.forwarding import client_address, client_named_headers, is_claim, is_trusted
from gateway.http.headers import normalise_header
from gateway.http.paths import check_path, decode_unreserved, double_encoded, resolve_segments
from gateway.keys import EXCHANGE
from gateway.ops.errorpage import error_response
from gateway.ops.failures import is_upstream_failure, upstream_failure_kind
from gateway.scope import Scope
from gateway.scope.entity import read_entity

if TYPE_CHECKING:
    from gateway.contract import HandlerFn
    from gateway.ops.traffic import RouteProbe
    from gateway.routing.reload import RouteSet
    from gateway.routing.route import Route
    from gateway.services import Services

log = logging.getLogger("gateway.access")


class Dispatcher:
    """Matches each request to the first route whose condition holds and runs its handler."""

    def __init__(self, routes: RouteSet, services: Services) -> None:
        self.routes = routes
        self.services = services
        self.traffic = services.metrics.traffic
        self._ids = itertools.count(1)
        self._prefix = os.urandom(6).hex()
        self._networks = services.settings.trusted_networks
        self._trusted = bool(self._networks)

    def _remote(self, request: web.BaseRequest) -> str | None:
        if not self._trusted:
            return request.remote
        return client_address(request.remote, request.headers.get("X-Forwarded-For"), self._networks)

    async def __call__(self, request: web.BaseRequest) -> web.StreamResponse:
        """Serve one request; every failure becomes a safe error response, never a traceback."""
        started = perf_counter()
        raw = request.raw_path
        if "%" in raw or "/." in raw or "//" in raw:
            request = _normalised(request)
        exchange = Exchange(f"{self._prefix}-{next(self._ids)}")
        exchange.scope = Scope(request, exchange, lambda: self._remote(request))
        request[EXCHANGE] = exchange
        endpoint = self.services.endpoints.get(request.path)
        if endpoint is not None:
            # The gateway's own endpoints (login callback, logout, ...) are counted under their path.
            return await self._handle(request, exchange, self.traffic.endpoint(request.path), endpoint, started)
        try:
            if self.routes.table.reads_entity:  # a condition reads the body: read it (once) first
                await read_entity(request, exchange)
            route = self._match(request, exchange)
        except Exception as exc:
            response = self._error(request, exchange, self._as_gateway_error(exc, exchange))
            self.traffic.unrouted.count(None, request.method, response.status, False, started)
            return response
        return await self._handle(request, exchange, self.traffic.probe(route), route.handler, started)

    def _match(self, request: web.BaseRequest, exchange: Exchange) -> Route:
        table = self.routes.table
        check_path(request.raw_path)
        if "Connection" in request.headers:
            _strip_connection_named(request, exchange)
        if table.injected_headers:
            _strip(request, exchange, table.injected_headers, table.injected_initials)
        if not (self._trusted and is_trusted(request.remote, self._networks)):
            # A client's own X-Forwarded-* go here, so that those a filter adds reach the upstream.
            _drop(request, exchange, [name for name in request.headers if is_claim(name)])
        # The gateway's own session cookies carry tokens: no upstream, public or not, gets them.
        sessions = self.services.sessions
        if sessions is not None and "Cookie" in request.headers:
            sessions.strip_cookies(request)
        route = table.match(exchange.scope)
        if route is None:
            raise NoRoute(f"no route for {request.method} {request.path}")
        if not route.allow_double_encoding and "%" in request.raw_path and double_encoded(request.raw_path):
            raise BadRequest(f"path {request.raw_path.partition('?')[0]!r} is still percent-encoded after one decoding")
        return route

    async def _handle(
        self, request: web.BaseRequest, exchange: Exchange, probe: RouteProbe, handler: HandlerFn, started: float
    ) -> web.StreamResponse:
        stats = probe.enter()
        response: web.StreamResponse | None = None
        failed = False
        try:
            response = await handler(request)
            return response
        except Exception as exc:
            error = self._as_gateway_error(exc, exchange)
            failed = error.status >= 500
            response = self._error(request, exchange, error)
            # A client that went away breaks the upstream request too; that is not the upstream's failure.
            if is_upstream_failure(error) and request.transport is not None:
                self.traffic.upstream_failed(probe.name, upstream_failure_kind(error))
            return response
        finally:
            probe.leave(stats, request.method, _delivered(request, response), failed, started)

    def _as_gateway_error(self, exc: Exception, exchange: Exchange) -> GatewayError:
        if isinstance(exc, GatewayError):
            return exc
        log.error("unexpected error, request %s", exchange.request_id, exc_info=exc)
        return GatewayError("unexpected error")

    def _error(self, request: web.BaseRequest, exchange: Exchange, error: GatewayError) -> web.Response:
        route = exchange.route.name if exchange.route else "-"
        log.warning(
            "%s %s %s -> %d %s: %s",
            exchange.request_id, request.method, request.path, error.status, error.code, error.reason,
            extra={"request_id": exchange.request_id, "route": route, "code": error.code},
        )  # fmt: skip
        self.services.metrics.denials.labels(error.code).inc()
        return error_response(request, error, exchange.request_id)


def _normalised(request: web.BaseRequest) -> web.BaseRequest:
    """The request with its path normalised (RFC 3986 §6.2.2: unreserved escapes decoded, dot segments
    resolved, slashes merged), so that the path conditions match is the one the upstream gets; the
    query goes on as sent."""
    path, mark, query = request.raw_path.partition("?")
    normal = decode_unreserved(path)
    if normal.startswith("/"):  # not absolute-form, whose path the checks see as sent
        normal = resolve_segments(normal)
    if normal == path:
        return request
    try:
        # yarl drops an empty query: `/%61?` goes on as `/a`, which names the same resource.
        return request.clone(rel_url=URL(normal + mark + query, encoded=True))
    except ValueError:  # not a URL yarl accepts: the path checks refuse it as sent
        return request


def _delivered(request: web.BaseRequest, response: web.StreamResponse | None) -> int:
    """The response's status, or 0 when the client got none: cancelled, or gone before it was sent."""
    if response is None or (request.transport is None and not response.prepared):
        return 0
    return response.status


def _strip_connection_named(request: web.BaseRequest, exchange: Exchange) -> None:
    """Hop-by-hop headers the client names go here, once, before any filter adds its own (RFC 9110 §7.6.1).

    Stripped later, at the upstream, `Connection: X-Route` would remove the X-Route a filter added."""
    named = client_named_headers(request.headers)
    if named:
        headers = exchange.edit_headers(request.headers)
        for name in [name for name in headers if name.lower() in named or name.lower() == "connection"]:
            headers.popall(name, None)


def _strip(request: web.BaseRequest, exchange: Exchange, names: frozenset[str], initials: frozenset[str]) -> None:
    doomed = [
        name
        for name in request.headers
        if (name[:1] in initials or not name.isascii()) and normalise_header(name) in names
    ]
    _drop(request, exchange, doomed)


def _drop(request: web.BaseRequest, exchange: Exchange, doomed: list[str]) -> None:
    if doomed:
        headers = exchange.edit_headers(request.headers)
        for name in doomed:
            headers.popall(name, None)
