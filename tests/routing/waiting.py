"""Polling with a deadline: hot reload happens in the background, so tests wait for it, never sleep."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from tests.support.traffic import wait_for

T = TypeVar("T")

DEADLINE = 10.0


async def until(probe: Callable[[], Awaitable[T]], holds: Callable[[T], bool], what: str) -> T:
    """Call `probe` until `holds(result)`; fail naming `what` (and the last result) at the deadline."""
    return await wait_for(probe, holds, what, DEADLINE, interval=0.02)
