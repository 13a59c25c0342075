"""Acting on a store channel's messages (every process and instance hears them)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any


async def follow(store: Any, channel: str, act: Callable[[bytes], Awaitable[None]]) -> asyncio.Task[None]:
    """A task that awaits `act(message)` for each message on `channel`, subscribed before it returns."""
    subscription = store.subscribe(channel)
    await subscription.start()
    return asyncio.create_task(_run(subscription, act), name=f"follow-{channel}")


async def _run(subscription: Any, act: Callable[[bytes], Awaitable[None]]) -> None:
    async with subscription:
        async for message in subscription:
            await act(message)


async def cancel_all(tasks: list[asyncio.Task[Any]]) -> None:
    """Cancel `tasks` and wait for them to end (what they raise on the way out is theirs)."""
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    tasks.clear()
