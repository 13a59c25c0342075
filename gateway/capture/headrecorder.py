"""The recorder for a text decorator without entities or context: one plain tuple per record.

Requests keep a reference to the client's header view, which nothing edits (a filter's edits go to
a copy of their own, `Exchange.edited_headers`, copied here since they may go on); responses are
still open to edits and to aiohttp's own headers, so theirs are copied, in C — or, for a relayed
answer whose headers nothing has read yet, what they will be built from is kept, and the writer
builds them (`http.defaults.built`), leaving the answer written from the upstream's bytes. Errors and the
request ClientHandler sends go the `Message` way of the base class."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from gateway.capture.points import LABELS
from gateway.capture.recorder import Recorder, request_target, route_name, sent_its_own_way
from gateway.http.defaults import DeferredHeaders
from gateway.keys import EXCHANGE

if TYPE_CHECKING:
    from gateway.capture.heads import RequestHead, ResponseHead
    from gateway.capture.points import Point


class HeadRecorder(Recorder):
    """Records headers only; everything but references is left for the writer thread to format."""

    def request(self, request: web.BaseRequest, point: Point) -> None:
        """Record the request entering (or leaving) the object; its body, if any, is only marked."""
        exchange = request[EXCHANGE]
        edited = exchange.edited_headers
        headers = request.headers if self.inbound or edited is None else edited.copy()
        entity = request.body_exists or exchange.request_body is not None
        # The capture id is the request id unless a `Message` record of this exchange set it first.
        id_ = exchange.capture_id or exchange.request_id
        record: RequestHead = (
            id_, LABELS[point._value_], request.method, request.scheme, request.host, request_target(request),
            request.version, headers, entity,
        )  # fmt: skip
        self.writer.submit(route_name(exchange), self.decorator.render_request, record)

    def response(self, request: web.BaseRequest, response: web.StreamResponse, point: Point) -> None:
        """Record a response's status and headers; its body, if any, is only marked."""
        exchange = request[EXCHANGE]
        entity = bool(response.body) if isinstance(response, web.Response) else sent_its_own_way(response)
        id_ = exchange.capture_id or exchange.request_id
        # A relayed answer nothing has read keeps the upstream's bytes: the writer decodes them.
        unbuilt = response.unbuilt() if isinstance(response, DeferredHeaders) else None
        headers = response.headers.copy() if unbuilt is None else unbuilt
        record: ResponseHead = (id_, LABELS[point._value_], response.status, response.reason, headers, entity)
        self.writer.submit(route_name(exchange), self.decorator.render_response, record)
