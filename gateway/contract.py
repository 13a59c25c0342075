"""The filter contract: what a filter and a handler look like to the chain and the dispatcher."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from aiohttp import web

HandlerFn = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]


class Filter(Protocol):
    """A filter answers by itself or awaits `next(request)` and post-processes the response."""

    async def filter(self, request: web.BaseRequest, next: HandlerFn) -> web.StreamResponse: ...


class Handler(Protocol):
    """A handler produces the response."""

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse: ...
