"""An in-process event bus: session code publishes, other features (security signals) subscribe."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger("gateway.events")

Subscriber = Callable[[Any], Awaitable[None] | None]


class EventBus:
    """Delivers each published event to every subscriber, sync or async, in subscription order.

    `publish` awaits the subscribers, often on a request's path: one with slow work (a network push)
    queues it and returns."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Deliver later events to `callback`; returns the function that unsubscribes it."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    async def publish(self, event: Any) -> None:
        """Hand `event` to every subscriber; one failing subscriber neither stops the others nor the caller."""
        for callback in list(self._subscribers):
            try:
                result = callback(event)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("event subscriber %r failed on %s", callback, type(event).__name__)
