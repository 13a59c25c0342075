"""Private key files that racing processes create once and then all read."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def create_once(path: Path, content: bytes) -> bool:
    """Write `content` to `path` (mode 600) unless it exists; True when this call created it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write a complete private file under a unique name, then link it into place: linking never
    # replaces an existing file, so the first process wins and every other one reads its key.
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        try:
            path.hardlink_to(draft)
        except FileExistsError:
            return False
        return True
    finally:
        draft.unlink()
