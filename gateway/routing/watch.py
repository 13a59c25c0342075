"""Hot reload: watch the routes folder and refresh the route set after each batch of changes."""

from __future__ import annotations

import asyncio
import logging

from watchfiles import awatch

from gateway.routing.reload import RouteSet

log = logging.getLogger("gateway.routes")


async def watch_routes(routes: RouteSet, stop: asyncio.Event) -> None:
    """Refresh on any change in the folder until `stop` is set; a short debounce keeps reloads under a second.

    Every change counts, not only `*.json` ones: a swapped symlink changes files without naming them."""
    directory = routes.directory
    if not directory.is_dir():
        log.warning("routes folder %s does not exist; hot reload is off", directory)
        return
    async for _changes in awatch(directory, stop_event=stop, debounce=150, step=30, watch_filter=None, recursive=False):
        try:
            routes.refresh()
        except Exception:
            # A bug while reloading must not stop the watcher; the old table keeps serving.
            log.exception("route reload failed; the previous routes keep serving")
