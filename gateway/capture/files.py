"""Capture files: one per route, appended whole records at a time, rotated by size.

Used only from the writer thread. Each batch is one `write` on an O_APPEND descriptor, so
workers sharing a file do not interleave records; a file renamed by another worker's rotation
is noticed by its inode and reopened."""

from __future__ import annotations

import os
import re
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
# Descriptors kept open at once; routes beyond this reopen their file when they write.
_MAX_OPEN = 64


def file_name(route: str) -> str:
    """`route-<name>.log`, with characters unsafe in a file name replaced by `_`."""
    return f"route-{_UNSAFE.sub('_', route)}.log"


@dataclass(slots=True)
class _Open:
    fd: int
    inode: tuple[int, int]


class RouteFiles:
    """Appends to `<folder>/route-<name>.log`, keeping `backups` rotated files of at most `max_bytes`."""

    def __init__(self, folder: Path, max_bytes: int, backups: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.backups = backups
        self._open: OrderedDict[Path, _Open] = OrderedDict()
        # Each route's file path, made once: routes come from configuration, so they are few.
        self._paths: dict[str, Path] = {}

    def append(self, route: str, data: bytes) -> None:
        """Write `data` to the route's file, rotating first if it would grow past the limit; raises OSError."""
        path = self._paths.get(route)
        if path is None:
            if len(self._paths) >= _MAX_OPEN * 16:
                self._paths.clear()
            path = self._paths[route] = self.folder / file_name(route)
        handle, size = self._handle(path)
        if size and size + len(data) > self.max_bytes:
            self._close(path)
            self._rotate(path)
            handle, size = self._handle(path)
        view = memoryview(data)
        while view:
            written = os.write(handle.fd, view)
            view = view[written:]

    def close(self) -> None:
        """Close every descriptor."""
        for path in list(self._open):
            self._close(path)

    def _handle(self, path: Path) -> tuple[_Open, int]:
        """The open file and its size now; reopened when another worker rotated it away."""
        handle = self._open.get(path)
        if handle is not None:
            try:
                stat = path.stat()
            except FileNotFoundError:
                stat = None
            if stat is not None and (stat.st_dev, stat.st_ino) == handle.inode:
                self._open.move_to_end(path)
                return handle, stat.st_size
            self._close(path)
        handle = self._create(path)
        return handle, os.fstat(handle.fd).st_size

    def _create(self, path: Path) -> _Open:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Capture files hold request details even when masked: readable by the gateway's user only.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        stat = os.fstat(fd)
        handle = _Open(fd, (stat.st_dev, stat.st_ino))
        self._open[path] = handle
        while len(self._open) > _MAX_OPEN:
            self._close(next(iter(self._open)))
        return handle

    def _close(self, path: Path) -> None:
        handle = self._open.pop(path, None)
        if handle is not None:
            os.close(handle.fd)

    def _rotate(self, path: Path) -> None:
        if self.backups == 0:
            path.unlink(missing_ok=True)
            return
        for index in range(self.backups - 1, 0, -1):
            older = path.with_name(f"{path.name}.{index}")
            if older.exists():
                older.replace(path.with_name(f"{path.name}.{index + 1}"))
        if path.exists():
            path.replace(path.with_name(f"{path.name}.1"))
