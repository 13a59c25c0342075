"""The set of route files: initial load, per-file reload, and the table swapped in one assignment."""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gateway.errors import ConfigError
from gateway.routing.loader import LoadResult, fail_closed_route, load_route
from gateway.routing.route import Route, RouteTable

if TYPE_CHECKING:
    from gateway.heap.build import Heap
    from gateway.services import Services

log = logging.getLogger("gateway.routes")


def _listing(directory: Path) -> list[Path]:
    return [p for p in directory.iterdir() if is_route_file(p)] if directory.is_dir() else []


def is_route_file(path: Path) -> bool:
    """A `*.json` file that is not hidden (editors keep hidden swap and lock files beside the real one)."""
    return path.suffix == ".json" and not path.name.startswith(".")


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
        self.loaded = False

    def load_all(self) -> None:
        """Load every route file in the folder."""
        if not self.directory.is_dir():
            log.warning("routes folder %s does not exist; serving no routes", self.directory)
        self.refresh()
        self.loaded = True

    def refresh(self) -> None:
        """Reload the files whose content changed, drop the removed ones, and swap the table once.

        Comparing content rather than trusting change events also catches a folder whose files are
        symlinks swapped at once (as Kubernetes mounts a ConfigMap)."""
        present = {p.name: p for p in _listing(self.directory)}
        for key in sorted(self.files.keys() - present.keys()):
            self._remove(key)
        for path in sorted(present.values()):
            self._load(path)
        self._swap()

    def _remove(self, key: str) -> None:
        del self.files[key]
        log.info("route file removed: %s", key)
        self.services.metrics.route_reloads.labels("removed").inc()

    def _load(self, path: Path) -> None:
        key = path.name
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            if key in self.files:
                self._remove(key)
            return
        except (OSError, UnicodeDecodeError) as exc:
            self._failed(key, LoadResult(None, [ConfigError("$", f"cannot read the file: {exc}", key)]), None)
            return
        digest = hashlib.sha256(text.encode()).hexdigest()
        if key in self.files and self.files[key].digest == digest:
            return
        result = load_route(path, text, self.services, self.heap, display=key)
        if result.route is not None:
            result = self._unique(key, result)
            # A clash depends on the other file too: retry on every refresh until it is resolved.
            digest = digest if result.route is not None else ""
        if result.route is not None:
            self._loaded(key, result.route, digest)
        else:
            self._failed(key, result, digest)

    def _unique(self, key: str, result: LoadResult) -> LoadResult:
        """The result, or an error if another file already serves a route of the same name."""
        assert result.route is not None
        name = result.route.name
        other = next((f for k, f in self.files.items() if k != key and f.route and f.route.name == name), None)
        if other is None:
            return result
        error = ConfigError("$.name", f"route name '{name}' is already used by {other.file}", key)
        return LoadResult(None, [error], name, result.condition, True)

    def _loaded(self, key: str, route: Route, digest: str) -> None:
        now = time.time()
        self.files[key] = FileState(key, "loaded", route, [], now, now, digest)
        log.info("route loaded: %s (%s)", route.name, key)
        self.services.metrics.route_reloads.labels("loaded").inc()

    def _failed(self, key: str, result: LoadResult, digest: str | None) -> None:
        previous, now, errors = self.files.get(key), time.time(), result.errors
        for error in errors:
            log.error("route file error: %s", error)
        if previous is not None and previous.route is not None and not previous.route.fail_closed:
            self.files[key] = FileState(key, "failed", previous.route, errors, now, previous.last_good_at, digest)
            log.warning("%s: keeping the last good version serving", key)
        elif result.condition_ok:
            self.files[key] = FileState(key, "fail-closed", fail_closed_route(result, key), errors, now, None, digest)
            log.warning("%s: installed fail-closed (503) until it is fixed", key)
        else:
            self.files[key] = FileState(key, "failed", None, errors, now, None, digest)
            log.warning("%s: not installed; its condition is unknown", key)
        self.services.metrics.route_reloads.labels(self.files[key].state.replace("-", "_")).inc()

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
