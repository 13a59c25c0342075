"""Waiting for something that happens in the background, with a deadline instead of a sleep."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

DEADLINE = 10.0


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Poll `check` until it holds; fail naming `what` when the deadline passes first."""
    deadline = time.monotonic() + DEADLINE
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what}")
        await asyncio.sleep(0.02)


async def next_message(messages: AsyncIterator[bytes]) -> bytes:
    """The next message of a subscription, failing when none comes before the deadline."""
    try:
        return await asyncio.wait_for(anext(messages), DEADLINE)
    except TimeoutError:
        raise AssertionError("no message arrived") from None
