"""Hot reload: watch the routes folder and apply each batch of changes to the route set."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from watchfiles import Change, awatch

from gateway.routing.reload import RouteSet

log = logging.getLogger("gateway.routes")


def _is_route_file(change: Change, path: str) -> bool:
    return path.endswith(".json")


async def watch_routes(routes: RouteSet, stop: asyncio.Event) -> None:
    """Reload changed files until `stop` is set; a short debounce keeps reloads under a second."""
    directory = routes.directory
    if not directory.is_dir():
        return
    async for changes in awatch(
        directory, stop_event=stop, debounce=150, step=30, watch_filter=_is_route_file, recursive=False
    ):
        paths = {Path(p) for _, p in changes}
        try:
            routes.apply(paths)
        except Exception:
            # A bug while reloading must not stop the watcher; the old table keeps serving.
            log.exception("route reload failed; the previous routes keep serving")
