"""The filter contract and the chain folded once when a route loads."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Protocol

from aiohttp import web

HandlerFn = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]


class Filter(Protocol):
    """A filter answers by itself or awaits `next(request)` and post-processes the response."""

    async def filter(self, request: web.BaseRequest, next: HandlerFn) -> web.StreamResponse: ...


class Handler(Protocol):
    """A handler produces the response."""

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse: ...


def build_chain(filters: Sequence[Filter], handler: HandlerFn) -> HandlerFn:
    """Wrap `handler` in `filters`, first filter outermost; done once per route load."""
    from gateway.filters.auth import group_authentication

    chained = handler
    for item in reversed(group_authentication(filters)):
        chained = partial(item.filter, next=chained)  # type: ignore[attr-defined]
    return chained
