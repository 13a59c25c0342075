"""Snapshots of what passes one decorated object, handed to the writer as capture records.

Everything here runs on the event loop and only takes references or copies: for a header-only text
decorator one tuple per record (`gateway.capture.heads`), else a `Message` with the headers in a
list and the head of a body as it streams. Rendering and writing happen in the writer thread."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from aiohttp import HttpVersion, web
from aiohttp.payload import Payload

from gateway.capture.heads import RequestHead, ResponseHead
from gateway.capture.message import Entity, Message, Pending, text_charset
from gateway.capture.points import LABELS
from gateway.capture.tee import BodyTee, TeePayload
from gateway.errors import GatewayError
from gateway.keys import EXCHANGE
from gateway.ops.errorpage import error_response

if TYPE_CHECKING:
    from collections.abc import AsyncIterable

    from multidict import CIMultiDict
    from yarl import URL

    from gateway.capture.points import Point
    from gateway.capture.writer import CaptureWriter
    from gateway.exchange import Exchange


_HTTP11 = HttpVersion(1, 1)


class Rendering(Protocol):
    """What a recorder needs of its decorator (`gateway.filters.capture.CaptureDecorator`)."""

    capture_entity: bool
    capture_context: bool
    max_entity: int
    # Headers only, as text: records are `gateway.capture.heads` tuples, rendered by these two.
    heads: bool
    render_request: Callable[[RequestHead], str]
    render_response: Callable[[ResponseHead], str]

    def render(self, message: Message) -> str: ...


class Outgoing(Protocol):
    """The request as sent upstream (`gateway.handlers.client.Outgoing`); a captured body is teed."""

    method: str
    headers: CIMultiDict[str]
    body: AsyncIterable[bytes] | None

    @property
    def url(self) -> URL: ...


@dataclass(eq=False)
class Recorder:
    """Records requests and responses at the points chosen for one decorated object."""

    decorator: Rendering
    writer: CaptureWriter
    source: str
    points: Point
    # The route's own capture shows the request as the client sent it, before any edit.
    inbound: bool

    def request(self, request: web.BaseRequest, point: Point) -> Pending | None:
        """Record the request entering (or leaving) the object; a captured body is teed for the next hop."""
        exchange = request[EXCHANGE]
        headers = request.headers if self.inbound else exchange.request_headers(request.headers)
        message = self._message(exchange, point, headers.items())
        message.method = request.method
        version = request.version
        if version != _HTTP11:  # the record's default
            message.version = f"HTTP/{version.major}.{version.minor}"
        message.uri = f"{request.scheme}://{request.host}{request_target(request)}"
        if not request.body_exists and exchange.request_body is None:
            self._write(message)
            return None
        pending = self._pending(message)
        if pending is not None:
            source = exchange.request_body if exchange.request_body is not None else request.content
            exchange.request_body = BodyTee(source, pending)
        return pending

    def outgoing(self, request: web.BaseRequest, out: Outgoing, point: Point) -> Pending | None:
        """Record the request exactly as ClientHandler sends it upstream."""
        headers = list(out.headers.items())
        # What the upstream client adds: the URL's host (and port unless default), and chunked framing.
        if "Host" not in out.headers:
            headers.insert(0, ("Host", out.url.host_port_subcomponent or ""))
        if out.body is not None and "Content-Length" not in out.headers:
            headers.append(("Transfer-Encoding", "chunked"))
        message = self._message(request[EXCHANGE], point, headers)
        message.method, message.uri = out.method, str(out.url)
        if out.body is None:
            self._write(message)
            return None
        pending = self._pending(message)
        if pending is not None:
            out.body = BodyTee(out.body, pending)
        return pending

    def response(self, request: web.BaseRequest, response: web.StreamResponse, point: Point) -> None:
        """Record a response; a streamed body is teed and recorded when it ends."""
        message = self._message(request[EXCHANGE], point, response.headers.items())
        message.status, message.reason = response.status, response.reason
        if not isinstance(response, web.Response):
            message.entity = Entity.UNCAPTURED if sent_its_own_way(response) else Entity.NONE
            self._write(message)
            return
        body = response.body
        if not body:
            self._write(message)
            return
        pending = self._pending(message)
        if pending is None:
            return
        if isinstance(body, Payload):
            _replace_body(response, TeePayload(body, pending))
            return
        pending.feed(body)
        pending.finish()

    def error(self, request: web.BaseRequest, error: GatewayError, point: Point) -> None:
        """Record the error answer the client gets, with the reason the log has."""
        exchange = request[EXCHANGE]
        answer = error_response(request, error, exchange.request_id)
        message = self._message(exchange, point, answer.headers.items())
        message.status, message.reason, message.error = answer.status, answer.reason, (error.code, error.reason)
        pending = self._pending(message)
        if pending is not None and isinstance(answer.body, bytes):
            pending.feed(answer.body)
            pending.finish()

    def _message(self, exchange: Exchange, point: Point, headers: Iterable[tuple[str, str]]) -> Message:
        if exchange.capture_id is None:
            exchange.capture_id = exchange.request_id
        message = Message(exchange.capture_id, LABELS[point._value_], route_name(exchange), self.source, list(headers))
        if self.decorator.capture_context:
            message.context = _context(exchange)
        return message

    def _pending(self, message: Message) -> Pending | None:
        """A pending record for a body worth reading, or None once the record is submitted with a marker."""
        if not self.decorator.capture_entity:
            message.entity = Entity.UNCAPTURED
            self._write(message)
            return None
        charset = text_charset(message.headers)
        if charset is None:
            message.entity = Entity.BINARY
            self._write(message)
            return None
        message.entity, message.charset = Entity.TEXT, charset
        return Pending(message, self.decorator.max_entity, self._write)

    def _write(self, message: Message) -> None:
        self.writer.submit(message.route, self.decorator.render, message, len(message.data))


def request_target(request: web.BaseRequest) -> str:
    """The request target as a record shows it: as sent in origin form, else the path and query."""
    target = request.raw_path
    return target if target.startswith("/") else request.rel_url.raw_path_qs


def route_name(exchange: Exchange) -> str:
    """The name of the route a record belongs to, or "-" before one is chosen."""
    return exchange.route.name if exchange.route is not None else "-"


def sent_its_own_way(response: web.StreamResponse) -> bool:
    """Whether a response that is not a `web.Response` still has a body to come (a file); a WebSocket
    is already sent when recorded, and has none."""
    return not response.prepared


def _context(exchange: Exchange) -> str:
    identity = exchange.identity.as_scope() if exchange.identity is not None else None
    context = {"identity": identity, "attributes": exchange.attributes}
    if exchange.decision is not None:
        context["policy"] = exchange.decision
    return json.dumps(context, default=str, sort_keys=True)


def _replace_body(response: web.Response, payload: Payload) -> None:
    had_type = "Content-Type" in response.headers
    response.body = payload
    if not had_type:
        # aiohttp gives payload bodies a default type; the message had none.
        response.headers.popall("Content-Type", None)
