"""Waiting for the next message of a subscription, with a deadline instead of a sleep."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from tests.support.polling import DEADLINE, eventually

__all__ = ["eventually", "next_message"]


async def next_message(messages: AsyncIterator[bytes]) -> bytes:
    """The next message of a subscription, failing when none comes before the deadline."""
    try:
        return await asyncio.wait_for(anext(messages), DEADLINE)
    except TimeoutError:
        raise AssertionError("no message arrived") from None
