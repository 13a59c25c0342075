"""Route statistics shared by worker processes: each worker writes its raw statistics to a file in
the folder its metrics already share (`gateway.ops.multiproc`), once a second when they changed, and
a reader adds the other workers' files to its own live numbers. A request never touches a file.

A worker that exits leaves its file, as its Prometheus counters stay in their sums: statistics are
cumulative over the life of `serve`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from gateway.ops.multiproc import ENV

_PREFIX = "monitoring-"


class SharedStatistics:
    """This worker's file of route statistics, and the files of the others."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._written: dict[str, int] = {}

    @classmethod
    def from_environment(cls) -> SharedStatistics | None:
        """The shared folder of `serve --workers N`, or None in a single process."""
        folder = os.environ.get(ENV)
        return cls(Path(folder)) if folder else None

    @property
    def _own(self) -> Path:
        # Asked each time: the object may be built before the process that uses it is forked.
        return self._folder / f"{_PREFIX}{os.getpid()}.json"

    def write(self, states: dict[str, dict[str, Any]], versions: dict[str, int]) -> None:
        """Replace this worker's file when a route's count moved since the last write (atomically)."""
        if versions == self._written:
            return
        own = self._own
        temporary = own.with_suffix(".tmp")
        try:
            temporary.write_text(json.dumps(states))
            temporary.replace(own)
        except OSError:
            return  # the folder went away with a stopping supervisor: nothing left to share with
        self._written = dict(versions)

    def others(self) -> dict[str, list[dict[str, Any]]]:
        """Every route's statistics as each other worker last wrote them, by route name."""
        out: dict[str, list[dict[str, Any]]] = {}
        own = self._own
        for path in self._folder.glob(f"{_PREFIX}*.json"):
            if path == own:
                continue
            try:
                states = json.loads(path.read_text())
            except (OSError, ValueError):
                continue  # a worker's file gone meanwhile: its numbers come with the next read
            for route, state in states.items():
                out.setdefault(route, []).append(state)
        return out
