"""Clients that keep a gateway busy during a fault or a restart, and the worker processes of a supervisor."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from tests.support.upstream import raw_request

T = TypeVar("T")


@dataclass
class Traffic:
    """What the clients saw: every 200 body in order, and every failure (error or other status)."""

    answers: list[bytes] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    async def until_answers(self, count: int, timeout: float = 30.0) -> None:
        """Wait until `count` answers in all have arrived."""
        await wait_for(self._answered, lambda n: n >= count, f"{count} answers", timeout)

    async def _answered(self) -> int:
        return len(self.answers)


@asynccontextmanager
async def traffic(url: str, path: str, clients: int = 4) -> AsyncIterator[Traffic]:
    """`clients` loops, each sending GET `path` on a fresh connection after the other, until the block ends."""
    seen = Traffic()
    stop = asyncio.Event()

    async def client() -> None:
        while not stop.is_set():
            try:
                answer = await raw_request(url, path)
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
                seen.failures.append(repr(exc))
                continue
            if answer.status == 200:
                seen.answers.append(answer.body)
            else:
                seen.failures.append(f"status {answer.status}")

    tasks = [asyncio.create_task(client()) for _ in range(clients)]
    try:
        yield seen
    finally:
        stop.set()
        await asyncio.gather(*tasks)


async def wait_for(
    probe: Callable[[], Awaitable[T]], holds: Callable[[T], bool], what: str, timeout: float, interval: float = 0.05
) -> T:
    """Call `probe` until `holds(result)`; fail naming `what` at the deadline (processes start slowly)."""
    deadline = time.monotonic() + timeout
    while True:
        result = await probe()
        if holds(result):
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what}; last saw {result!r}")
        await asyncio.sleep(interval)


def worker_pids(supervisor: int) -> set[int]:
    """The pids of a supervisor's worker processes (its multiprocessing children, not the resource tracker)."""
    children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    pids = set()
    for child in children:
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                pids.add(int(child))
        except FileNotFoundError:  # exited since the listing
            continue
    return pids
