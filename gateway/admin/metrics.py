"""Publishing the per-route counts to Prometheus: on every scrape, every second, and at shutdown.

The periodic publish matters with several workers: a scrape reaches one of them, and merges the
values the others last published, at most a second old.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from gateway.runtime import RUNTIME

if TYPE_CHECKING:
    from aiohttp import web

    from gateway.runtime import Runtime

INTERVAL = 1.0


def publish(runtime: Runtime) -> None:
    """Bring this process's Prometheus values up to date."""
    runtime.services.metrics.traffic.publish(runtime.routes.table)


def scrape(runtime: Runtime) -> bytes:
    """The Prometheus text of this process (or of every worker), with this process's counts up to date."""
    publish(runtime)
    body: bytes = runtime.services.metrics.exposition()
    return body


async def publishing_lifetime(app: web.Application) -> AsyncIterator[None]:
    """Publish every INTERVAL while the process runs, and once more when it stops."""
    runtime = app[RUNTIME]
    task = asyncio.create_task(_publish_forever(runtime))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    # The main listener has drained by now: this publishes the last requests.
    publish(runtime)


async def _publish_forever(runtime: Runtime) -> None:
    while True:
        await asyncio.sleep(INTERVAL)
        publish(runtime)
