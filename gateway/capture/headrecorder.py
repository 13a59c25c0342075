"""The recorder for a text decorator without entities or context: one plain tuple per record.

Requests keep a reference to the client's header view, which nothing edits (a filter's edits go to
a copy of their own, `Exchange.edited_headers`, copied here since they may go on); responses are
still open to edits and to aiohttp's own headers, so theirs are copied, in C — or, for a relayed
answer whose headers nothing has read yet, what they will be built from is kept, and the writer
renders them from those bytes (`relayedheads`), leaving the answer written from them too. Errors
and the request ClientHandler sends go the `Message` way of the base class. Around a handler,
`around` takes both records in one coroutine, reading the exchange and what they share once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from aiohttp import web

from gateway.capture.points import LABELS, NAMES
from gateway.capture.recorder import Recorder, route_name, sent_its_own_way
from gateway.errors import GatewayError
from gateway.http.defaults import DeferredHeaders
from gateway.keys import EXCHANGE

if TYPE_CHECKING:
    from collections.abc import Callable

    from gateway.capture.heads import RequestHead, ResponseHead
    from gateway.capture.points import Point
    from gateway.contract import HandlerFn
    from gateway.exchange import Exchange


@dataclass(eq=False)
class HeadRecorder(Recorder):
    """Records headers only; everything but references is left for the writer thread to format."""

    def __post_init__(self) -> None:
        # The route's own capture belongs to the route it was loaded with, named as its source.
        self._route = self.source if self.inbound else None
        self._submit = self.writer.submit
        self._render_request: Callable[[RequestHead], str] = self.decorator.render_request
        self._render_response: Callable[[ResponseHead], str] = self.decorator.render_response

    async def around(
        self, request: web.BaseRequest, call: HandlerFn, before: str | None, after: str | None
    ) -> web.StreamResponse:
        """Record the request (at the point labelled `before`), await `call`, record its response or
        error (at `after`); None labels a point not recorded."""
        exchange = request[EXCHANGE]
        # The capture id is the request id unless a `Message` record of this exchange set it first.
        id_ = exchange.capture_id or exchange.request_id
        route = self._route or route_name(exchange)
        if before is not None:
            self._request(request, exchange, id_, route, before)
        try:
            response = await call(request)
        except GatewayError as error:
            if after is not None:
                self.error(request, error, NAMES[after])
            raise
        if after is None:
            return response
        # `_response`, without a call: this is every request's way out.
        unbuilt = response.unbuilt() if isinstance(response, DeferredHeaders) else None
        if unbuilt is None or web.Response not in type(response).__mro__:
            self._response(response, id_, route, after)
        else:
            entity = bool(cast(web.Response, response).body)
            self._submit(route, self._render_response, (id_, after, response.status, response.reason, unbuilt, entity))
        return response

    def request(self, request: web.BaseRequest, point: Point) -> None:
        """Record the request entering (or leaving) the object; its body, if any, is only marked."""
        exchange = request[EXCHANGE]
        id_ = exchange.capture_id or exchange.request_id
        self._request(request, exchange, id_, self._route or route_name(exchange), LABELS[point._value_])

    def response(self, request: web.BaseRequest, response: web.StreamResponse, point: Point) -> None:
        """Record a response's status and headers; its body, if any, is only marked."""
        exchange = request[EXCHANGE]
        id_ = exchange.capture_id or exchange.request_id
        self._response(response, id_, self._route or route_name(exchange), LABELS[point._value_])

    def _request(self, request: web.BaseRequest, exchange: Exchange, id_: str, route: str, label: str) -> None:
        edited = exchange.edited_headers
        headers = request.headers if self.inbound or edited is None else edited.copy()
        entity = request.body_exists or exchange.request_body is not None
        target = request.raw_path  # `request_target`, without a call
        if target[:1] != "/":
            target = request.rel_url.raw_path_qs
        record: RequestHead = (
            id_, label, request.method, request.scheme, request.host, target, request.version, headers, entity
        )  # fmt: skip
        self._submit(route, self._render_request, record)

    def _response(self, response: web.StreamResponse, id_: str, route: str, label: str) -> None:
        # aiohttp's responses are ABCs, whose `isinstance` is a Python-level call: their MRO is asked instead.
        if web.Response in type(response).__mro__:
            entity = bool(cast(web.Response, response).body)
        else:
            entity = sent_its_own_way(response)
        # A relayed answer nothing has read keeps the upstream's bytes: the writer renders from them.
        unbuilt = response.unbuilt() if isinstance(response, DeferredHeaders) else None
        headers = response.headers.copy() if unbuilt is None else unbuilt
        record: ResponseHead = (id_, label, response.status, response.reason, headers, entity)
        self._submit(route, self._render_response, record)
