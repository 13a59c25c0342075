"""Metrics shared by worker processes: prometheus-client's multiprocess mode, one folder per `serve`.

prometheus-client picks its value store when it is first imported, so the supervisor sets the
folder in the environment before it spawns the workers; each worker then writes its samples to
memory-mapped files there, and a scrape of any worker merges them all.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager

ENV = "PROMETHEUS_MULTIPROC_DIR"


def multiprocess_enabled() -> bool:
    """Whether this process writes its metrics to the shared folder."""
    return bool(os.environ.get(ENV))


@contextmanager
def shared_metrics() -> Iterator[Callable[[int], None]]:
    """A fresh folder for the workers' metrics; yields the bookkeeping to call when a worker exits."""
    path = tempfile.mkdtemp(prefix="gateway-metrics-")
    previous = os.environ.get(ENV)
    os.environ[ENV] = path

    def worker_exited(pid: int) -> None:
        from prometheus_client import multiprocess

        # Drops the dead worker's live gauges (active requests, health); its counters stay in the sums.
        multiprocess.mark_process_dead(pid, path)  # type: ignore[no-untyped-call]

    try:
        yield worker_exited
    finally:
        if previous is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = previous
        shutil.rmtree(path, ignore_errors=True)
