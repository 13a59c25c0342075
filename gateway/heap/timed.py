"""`"timer": true` on a heap object (or on a route, for all its objects): the object's time per call
goes to its `Timer`. Untimed objects are not wrapped, so they cost nothing."""

from __future__ import annotations

from time import perf_counter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aiohttp import web

    from gateway.contract import HandlerFn
    from gateway.ops.timers import Timer


class TimedFilter:
    """A filter whose calls are timed (what it awaits downstream included, as OpenIG's TimerDecorator)."""

    __slots__ = ("inner", "timer")

    def __init__(self, inner: Any, timer: Timer) -> None:
        self.inner, self.timer = inner, timer

    async def filter(self, request: web.BaseRequest, next: HandlerFn) -> web.StreamResponse:
        """Call the filter, timing it."""
        started = perf_counter()
        try:
            return await self.inner.filter(request, next)  # type: ignore[no-any-return]
        finally:
            self.timer.observe(perf_counter() - started)


class TimedHandler:
    """A handler whose calls are timed until its response head is ready."""

    __slots__ = ("inner", "timer")

    def __init__(self, inner: Any, timer: Timer) -> None:
        self.inner, self.timer = inner, timer

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        """Call the handler, timing it."""
        started = perf_counter()
        try:
            return await self.inner.handle(request)  # type: ignore[no-any-return]
        finally:
            self.timer.observe(perf_counter() - started)


def timed(obj: Any, timer: Timer) -> Any:
    """`obj` timed, if it is a filter or a handler; an authentication filter stays as it is, since a
    chain groups consecutive ones by their type (the group is timed through the objects around it)."""
    if isinstance(obj, TimedFilter | TimedHandler) or hasattr(obj, "authenticate"):
        return obj
    if hasattr(obj, "filter"):
        return TimedFilter(obj, timer)
    if hasattr(obj, "handle"):
        return TimedHandler(obj, timer)
    return obj
