"""The set of route files: initial load, per-file reload, and the table swapped in one assignment."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gateway.errors import ConfigError
from gateway.routing.loader import fail_closed_route, load_route
from gateway.routing.route import Route, RouteTable

if TYPE_CHECKING:
    from gateway.heap.build import Heap
    from gateway.services import Services

log = logging.getLogger("gateway.routes")


@dataclass
class FileState:
    """What one route file currently contributes."""

    file: str
    state: str  # loaded | failed | fail-closed
    route: Route | None
    errors: list[ConfigError] = field(default_factory=list)
    loaded_at: float = 0.0
    last_good_at: float | None = None

    def as_json(self, order: int) -> dict[str, Any]:
        """The file's state for /admin/api/routes."""
        return {
            "file": self.file,
            "name": self.route.name if self.route else Path(self.file).stem,
            "order": order,
            "state": self.state,
            "errors": [e.as_dict() for e in self.errors],
            "loadedAt": self.loaded_at,
            "lastGoodAt": self.last_good_at,
        }


class RouteSet:
    """Route files of one folder; `table` is the immutable snapshot requests use."""

    def __init__(self, directory: Path, services: Services, heap: Heap | None) -> None:
        self.directory = directory
        self.services = services
        self.heap = heap
        self.files: dict[str, FileState] = {}
        self.table = RouteTable()

    def load_all(self) -> None:
        """Load every *.json file in the folder."""
        paths = sorted(self.directory.glob("*.json")) if self.directory.is_dir() else []
        if not self.directory.is_dir():
            log.warning("routes folder %s does not exist; serving no routes", self.directory)
        for path in paths:
            self._load(path)
        self._swap()

    def apply(self, changed: set[Path]) -> None:
        """Reload changed files (added, modified or deleted) and swap the table once."""
        for path in sorted(changed):
            if path.suffix == ".json" and path.parent == self.directory:
                self._load(path)
        self._swap()

    def _load(self, path: Path) -> None:
        key = path.name
        metrics = self.services.metrics
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            if self.files.pop(key, None) is not None:
                log.info("route file removed: %s", key)
                metrics.route_reloads.labels("removed").inc()
            return
        except (OSError, UnicodeDecodeError) as exc:
            self._failed(key, None, [ConfigError("$", f"cannot read the file: {exc}", key)])
            return
        result = load_route(path, text, self.services, self.heap, display=key)
        if result.route is not None:
            self._loaded(key, result.route)
        else:
            self._failed(key, result, result.errors)

    def _loaded(self, key: str, route: Route) -> None:
        duplicate = next((f for k, f in self.files.items() if k != key and f.route and f.route.name == route.name), None)
        if duplicate is not None:
            self._failed(key, None, [ConfigError("$.name", f"route name '{route.name}' is already used by {duplicate.file}", key)])
            return
        now = time.time()
        self.files[key] = FileState(key, "loaded", route, [], now, now)
        log.info("route loaded: %s (%s)", route.name, key)
        self.services.metrics.route_reloads.labels("loaded").inc()

    def _failed(self, key: str, result: Any, errors: list[ConfigError]) -> None:
        previous = self.files.get(key)
        now = time.time()
        for error in errors:
            log.error("route file error: %s", error)
        if previous is not None and previous.route is not None and not previous.route.fail_closed:
            self.files[key] = FileState(key, "failed", previous.route, errors, now, previous.last_good_at)
            self.services.metrics.route_reloads.labels("failed").inc()
            log.warning("%s: keeping the last good version serving", key)
        elif result is not None and result.condition_ok:
            self.files[key] = FileState(key, "fail-closed", fail_closed_route(result, key), errors, now)
            self.services.metrics.route_reloads.labels("fail_closed").inc()
            log.warning("%s: installed fail-closed (503) until it is fixed", key)
        else:
            self.files[key] = FileState(key, "failed", None, errors, now)
            self.services.metrics.route_reloads.labels("failed").inc()

    def _swap(self) -> None:
        ordered = [self.files[k] for k in sorted(self.files)]
        routes = tuple(f.route for f in ordered if f.route is not None)
        injected = frozenset().union(*(r.injected_headers for r in routes))
        self.table = RouteTable(routes, injected)
        for state in ("loaded", "failed", "fail-closed"):
            self.services.metrics.routes.labels(state).set(sum(1 for f in ordered if f.state == state))

    def status(self) -> list[dict[str, Any]]:
        """Every file with its order, state, errors and load time."""
        return [self.files[k].as_json(i) for i, k in enumerate(sorted(self.files))]
