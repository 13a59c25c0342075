"""Polling with a deadline: hot reload happens in the background, so tests wait for it, never sleep."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

DEADLINE = 10.0


async def until(probe: Callable[[], Awaitable[T]], holds: Callable[[T], bool], what: str) -> T:
    """Call `probe` until `holds(result)`; fail naming `what` (and the last result) at the deadline."""
    deadline = time.monotonic() + DEADLINE
    while True:
        result = await probe()
        if holds(result):
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what}; last saw {result!r}")
        await asyncio.sleep(0.02)
