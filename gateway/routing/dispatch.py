"""The main listener's one handler: request id, path checks, header stripping, route match, errors."""

from __future__ import annotations

import itertools
import logging
import os
from typing import TYPE_CHECKING

from aiohttp import web

from gateway.errors import GatewayError, NoRoute
from gateway.exchange import Exchange
from gateway.handlers.forwarding import client_address
from gateway.keys import EXCHANGE
from gateway.ops.errorpage import error_response
from gateway.routing.paths import check_path
from gateway.scope import Scope

if TYPE_CHECKING:
    from gateway.routing.reload import RouteSet
    from gateway.services import Services

log = logging.getLogger("gateway.access")


class Dispatcher:
    """Matches each request to the first route whose condition holds and runs its handler."""

    def __init__(self, routes: RouteSet, services: Services) -> None:
        self.routes = routes
        self.services = services
        self._ids = itertools.count(1)
        self._prefix = os.urandom(6).hex()
        self._trusted = services.settings.trustedProxies

    def _remote(self, request: web.BaseRequest) -> str | None:
        if not self._trusted:
            return request.remote
        return client_address(
            request.remote, request.headers.get("X-Forwarded-For"), self.services.settings._networks
        )

    async def __call__(self, request: web.BaseRequest) -> web.StreamResponse:
        """Serve one request; every failure becomes a safe error response, never a traceback."""
        request_id = f"{self._prefix}-{next(self._ids)}"
        exchange = Exchange(request_id)
        exchange.scope = Scope(request, exchange, lambda: self._remote(request))
        request[EXCHANGE] = exchange
        table = self.routes.table
        try:
            check_path(request.raw_path)
            if table.injected_headers:
                _strip(request, exchange, table.injected_headers)
            route = table.match(exchange.scope)
            if route is None:
                raise NoRoute(f"no route for {request.method} {request.path}")
            return await route.handler(request)
        except GatewayError as error:
            return self._error(request, exchange, error)
        except Exception:
            log.exception("unexpected error, request %s", request_id)
            return self._error(request, exchange, GatewayError("unexpected error"))

    def _error(self, request: web.BaseRequest, exchange: Exchange, error: GatewayError) -> web.Response:
        route = exchange.route.name if exchange.route else "-"
        log.warning(
            "%s %s %s -> %d %s: %s",
            exchange.request_id, request.method, request.path, error.status, error.code, error.reason,
            extra={"request_id": exchange.request_id, "route": route, "code": error.code},
        )
        self.services.metrics.denials.labels(error.code).inc()
        return error_response(request, error, exchange.request_id)


def normalise_header(name: str) -> str:
    """`X_User`, `x-user` and `X-USER` are one header to an upstream that folds names."""
    return name.lower().replace("_", "-")


def _strip(request: web.BaseRequest, exchange: Exchange, names: frozenset[str]) -> None:
    doomed = [name for name in request.headers if normalise_header(name) in names]
    if doomed:
        headers = exchange.edit_headers(request.headers)
        for name in doomed:
            headers.popall(name, None)
