"""Decorated objects: handlers, filters, authentication filters and ClientHandler, with capture.

On a filter, `request` is what enters it, `filtered_request` what it passes on, `response` what
comes back and `filtered_response` what it returns. A handler has no inside: its request points
both mean the request it receives, its response points the response it returns."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from aiohttp import web

from gateway.capture.headrecorder import HeadRecorder
from gateway.capture.points import ANY_REQUEST, ANY_RESPONSE, LABELS, Point
from gateway.errors import GatewayError
from gateway.filters.auth import AuthFilter
from gateway.handlers.client import ClientHandler

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from gateway.capture.message import Pending
    from gateway.capture.recorder import Recorder
    from gateway.contract import HandlerFn
    from gateway.identity import Identity

T = TypeVar("T")
# Points are tested by identity: a Flag's truth value is a Python-level call, twice per record.
NONE = Point.NONE


def wrap(obj: Any, recorder: Recorder) -> Any:
    """The decorated object, or None when `obj` is neither a filter nor a handler."""
    if isinstance(obj, AuthFilter):
        return CapturedAuthFilter(obj, recorder)
    if hasattr(obj, "filter"):
        return CapturedFilter(obj, recorder)
    if isinstance(obj, ClientHandler):
        return CapturedClient(obj, recorder)
    if hasattr(obj, "handle"):
        if isinstance(recorder, HeadRecorder):
            return HeadCapturedHandler(obj.handle, recorder)
        return CapturedHandler(obj.handle, recorder)
    return None


async def around(
    recorder: Recorder, request: web.BaseRequest, call: HandlerFn, pending: Pending | None, after: Point
) -> web.StreamResponse:
    """Await `call`; close the request record, then record the response (or the error) at `after`."""
    try:
        response = await call(request)
    except BaseException as exc:
        if pending is not None:
            pending.finish(complete=False)
        if after is not NONE and isinstance(exc, GatewayError):
            recorder.error(request, exc, after)
        raise
    if pending is not None:
        # The body is read by now unless the upstream answered early; record what was seen.
        pending.finish(complete=False)
    if after is not NONE:
        recorder.response(request, response, after)
    return response


def _points(recorder: Recorder, want: Point, point: Point) -> Point:
    return point if recorder.points & want else Point.NONE


class _Handling(Generic[T]):
    """A handler-like inner object with its recorder, and the points recorded before and after it."""

    def __init__(self, inner: T, recorder: Recorder) -> None:
        self._inner = inner
        self._recorder = recorder
        self._before = _points(recorder, ANY_REQUEST, Point.REQUEST)
        self._after = _points(recorder, ANY_RESPONSE, Point.RESPONSE)


class CapturedHandler(_Handling["HandlerFn"]):
    """A handler whose request and response are recorded."""

    def handle(self, request: web.BaseRequest) -> Awaitable[web.StreamResponse]:
        """Record, handle, record: `around` is the caller's to await, one coroutine fewer per request."""
        pending = self._recorder.request(request, self._before) if self._before is not NONE else None
        return around(self._recorder, request, self._inner, pending, self._after)


class HeadCapturedHandler:
    """A handler whose request and response headers are recorded by one coroutine per request
    (`HeadRecorder.around`), called through a `functools.partial` made once."""

    def __init__(self, inner: HandlerFn, recorder: HeadRecorder) -> None:
        before = LABELS[Point.REQUEST._value_] if recorder.points & ANY_REQUEST else None
        after = LABELS[Point.RESPONSE._value_] if recorder.points & ANY_RESPONSE else None
        self.handle = partial(recorder.around, call=inner, before=before, after=after)


class CapturedClient(_Handling[ClientHandler]):
    """ClientHandler recorded as it talks to the upstream: the request as sent, the response as received."""

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        """Build the upstream request, record it, send it, record the answer."""
        try:
            out = self._inner.outgoing(request)
        except GatewayError as error:
            if self._after is not NONE:
                self._recorder.error(request, error, self._after)
            raise
        pending = self._recorder.outgoing(request, out, self._before) if self._before is not NONE else None
        return await around(self._recorder, request, partial(self._inner.send, out=out), pending, self._after)


class CapturedFilter:
    """A filter recorded at its four points."""

    def __init__(self, inner: Any, recorder: Recorder) -> None:
        self._inner = inner
        self._recorder = recorder
        points = recorder.points
        self._request = points & Point.REQUEST
        self._inside = bool(points & (Point.FILTERED_REQUEST | Point.RESPONSE))
        self._filtered = points & Point.FILTERED_REQUEST
        self._response = points & Point.RESPONSE
        self._after = points & Point.FILTERED_RESPONSE

    async def filter(self, request: web.BaseRequest, next: HandlerFn) -> web.StreamResponse:
        """Record around the filter, and around the `next` it calls."""
        pending = self._recorder.request(request, self._request) if self._request is not NONE else None
        inner_next = partial(self._next, next=next) if self._inside else next
        call = partial(self._inner.filter, next=inner_next)
        return await around(self._recorder, request, call, pending, self._after)

    async def _next(self, request: web.BaseRequest, next: HandlerFn) -> web.StreamResponse:
        pending = self._recorder.request(request, self._filtered) if self._filtered is not NONE else None
        return await around(self._recorder, request, next, pending, self._response)


class CapturedAuthFilter(AuthFilter):
    """An authentication filter recorded at its points; still grouped with its neighbours.

    `request` is recorded when it is asked, `filtered_request` once it admits an identity,
    `response` and `filtered_response` around its post-processing (or its challenge)."""

    def __init__(self, inner: AuthFilter, recorder: Recorder) -> None:
        self._inner = inner
        self._recorder = recorder
        self._points = recorder.points
        self.cache_control = inner.cache_control

    async def authenticate(self, request: web.BaseRequest) -> Identity | None:
        """Record the request, then ask the inner filter."""
        if self._points & Point.REQUEST:
            self._recorder.request(request, Point.REQUEST)
        try:
            return await self._inner.authenticate(request)
        except GatewayError as error:
            if self._points & Point.FILTERED_RESPONSE:
                self._recorder.error(request, error, Point.FILTERED_RESPONSE)
            raise

    async def admit(self, request: web.BaseRequest, identity: Identity) -> None:
        """Admit, then record the request as decorated for the upstream."""
        await self._inner.admit(request, identity)
        if self._points & Point.FILTERED_REQUEST:
            self._recorder.request(request, Point.FILTERED_REQUEST)

    async def respond(self, request: web.BaseRequest, response: web.StreamResponse) -> web.StreamResponse:
        """Record the upstream's response and the one this filter returns."""
        if self._points & Point.RESPONSE:
            self._recorder.response(request, response, Point.RESPONSE)
        answer = await self._inner.respond(request, response)
        if self._points & Point.FILTERED_RESPONSE:
            self._recorder.response(request, answer, Point.FILTERED_RESPONSE)
        return answer

    async def challenge(self, request: web.BaseRequest) -> web.StreamResponse:
        """Record the challenge the client gets."""
        answer = await self._inner.challenge(request)
        if self._points & Point.FILTERED_RESPONSE:
            self._recorder.response(request, answer, Point.FILTERED_RESPONSE)
        return answer
