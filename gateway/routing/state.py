"""What one route file contributes to the table now, as the admin API, `/ready` and metrics see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateway.errors import ConfigError
from gateway.routing.route import Route

LOADED, FAILED, FAIL_CLOSED = "loaded", "failed", "fail-closed"

# What a file's traffic meets, by mode: its current version, the last version that loaded, a 503 on
# exactly its condition's requests, a 503 on every request reaching its position, or nothing at all.
MODES = ("current", "last-good", "refuse-condition", "refuse-position", "skipped")


@dataclass
class FileState:
    """What one route file currently contributes."""

    file: str
    state: str  # loaded | failed | fail-closed
    route: Route | None
    errors: list[ConfigError] = field(default_factory=list)
    loaded_at: float = 0.0
    last_good_at: float | None = None
    # Hash of the content last loaded, so that an unchanged file is not rebuilt.
    digest: str | None = None
    mode: str = "current"
    # The earlier file that takes every request before this one's turn comes, if any.
    shadowed_by: str | None = None

    @property
    def failing(self) -> bool:
        """Whether the file's current content failed to load."""
        return self.state != LOADED

    def as_json(self, order: int) -> dict[str, Any]:
        """The file's state for /admin/api/routes."""
        return {
            "file": self.file,
            "name": self.route.name if self.route else Path(self.file).stem,
            "order": order,
            "state": self.state,
            "mode": self.mode,
            "errors": [e.as_dict() for e in self.errors],
            "loadedAt": self.loaded_at,
            "lastGoodAt": self.last_good_at,
            "shadowedBy": self.shadowed_by,
        }
