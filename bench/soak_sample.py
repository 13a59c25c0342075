"""What the soak samples each minute: each gateway worker's resident memory and open file
descriptors (from /proc), and the size of the session store (the embedded SQLite file, read-only)."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from procs import process_stats


@dataclass(frozen=True)
class Worker:
    """One worker process at one moment."""

    pid: int
    rss_kib: int
    fds: int


@dataclass(frozen=True)
class StoreSize:
    """The store at one moment: session keys, scheduled deadlines, all rows, and bytes on disk."""

    session_keys: int
    deadlines: int
    rows: int
    file_bytes: int


def children(parent: int) -> list[int]:
    """Pids whose parent is `parent` (the supervisor's workers), sorted."""
    return sorted(pid for pid, fields in process_stats() if int(fields[1]) == parent)


def worker(pid: int) -> Worker:
    """RSS (VmRSS) and the count of open file descriptors of one process."""
    rss = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
    return Worker(pid, rss, len(os.listdir(f"/proc/{pid}/fd")))


def workers(parent: int) -> list[Worker]:
    """Every live worker of the supervisor `parent` (not multiprocessing's resource tracker)."""
    out = []
    for pid in children(parent):
        try:
            if b"resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes():
                continue
            out.append(worker(pid))
        except OSError:
            continue  # exited between the listing and the read
    return out


def store_size(db: Path) -> StoreSize:
    """Counts from the embedded store's SQLite file, opened read-only (the gateway keeps writing)."""
    size = sum(p.stat().st_size for p in db.parent.glob(db.name + "*") if p.is_file())
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
        keys = conn.execute("SELECT count(*) FROM kv WHERE key LIKE 'sessions:%'").fetchone()[0]
        rows = conn.execute("SELECT count(*) FROM kv").fetchone()[0]
        deadlines = conn.execute("SELECT count(*) FROM schedule").fetchone()[0]
    conn.close()
    return StoreSize(int(keys), int(deadlines), int(rows), size)


def drift(values: list[float]) -> float:
    """Relative change from the first value to the last (0.1 = grew by 10%)."""
    if not values or values[0] == 0:
        return 0.0 if not values or values[-1] == 0 else float("inf")
    return (values[-1] - values[0]) / values[0]
