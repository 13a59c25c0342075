"""The set of route files: initial load, per-file reload, and the table swapped in one assignment."""

from __future__ import annotations

import hashlib
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gateway.errors import ConfigError, ConfigErrors
from gateway.routing.failclosed import fail_closed_route
from gateway.routing.loader import LoadResult, load_route
from gateway.routing.route import Route, RouteTable
from gateway.routing.shadow import UNKNOWN, shadowing, takes_everything
from gateway.routing.state import FAIL_CLOSED, FAILED, LOADED, FileState
from gateway.settings import SKIP

if TYPE_CHECKING:
    from gateway.heap.build import Heap
    from gateway.services import Services

log = logging.getLogger("gateway.routes")


def _listing(directory: Path) -> list[Path]:
    return [p for p in directory.iterdir() if is_route_file(p)] if directory.is_dir() else []


def is_route_file(path: Path) -> bool:
    """A `*.json` file that is not hidden (editors keep hidden swap and lock files beside the real one)."""
    return path.suffix == ".json" and not path.name.startswith(".")


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
        """Load every route file in the folder; in strict mode, raise ConfigErrors if any fails."""
        if not self.directory.is_dir():
            log.warning("routes folder %s does not exist; serving no routes", self.directory)
        self.refresh()
        errors = [e for f in self.failing() for e in f.errors]
        if errors and self.services.settings.routing.strict:
            raise ConfigErrors(errors)
        self.loaded = True

    def failing(self) -> list[FileState]:
        """The files whose current content failed to load, in order."""
        return [self.files[k] for k in sorted(self.files) if self.files[k].failing]

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
        if self.files.pop(key).failing:
            self.services.metrics.route_failures.labels(key).set(0)
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
        try:
            result = load_route(path, text, self.services, self.heap, display=key)
        except Exception as exc:  # never expected; the file fails closed rather than stopping the reload
            log.exception("%s: loading raised", key)
            result = LoadResult(None, [ConfigError("$", f"the route could not be loaded: {exc!r}", key)])
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
        previous = self.files.get(key)
        self.files[key] = FileState(key, LOADED, route, [], now, now, digest)
        if previous is not None and previous.failing:
            self.services.metrics.route_failures.labels(key).set(0)
        log.info("route loaded: %s (%s)", route.name, key)
        self.services.metrics.route_reloads.labels("loaded").inc()

    def _failed(self, key: str, result: LoadResult, digest: str | None) -> None:
        for error in result.errors:
            extra = {"file": key, "path": error.path, "code": "route_load_failed"}
            log.error("route file error: %s", error, extra=extra)
        state = self._stand_in(key, result)
        state.errors, state.loaded_at, state.digest = result.errors, time.time(), digest
        self.files[key] = state
        self.services.metrics.route_failures.labels(key).set(1)
        self.services.metrics.route_reloads.labels(state.state.replace("-", "_")).inc()

    def _stand_in(self, key: str, result: LoadResult) -> FileState:
        """What serves in a failing file's place: its last good version, else a route refusing its
        condition's requests, else (condition unknown) one refusing all that reach it, or with skip nothing."""
        previous = self.files.get(key)
        if previous is not None and previous.route is not None and not previous.route.fail_closed:
            log.warning("%s: keeping the last good version serving", key)
            return FileState(key, FAILED, previous.route, last_good_at=previous.last_good_at, mode="last-good")
        if result.condition_ok:
            log.warning("%s: installed fail-closed (503 on its condition's requests) until it is fixed", key)
            return FileState(key, FAIL_CLOSED, fail_closed_route(result, key), mode="refuse-condition")
        if self.services.settings.routing.onBrokenRoute == SKIP:
            log.warning("%s: not installed (routing.onBrokenRoute: skip): its traffic goes to later routes", key)
            return FileState(key, FAILED, None, mode="skipped")
        log.warning("%s: condition unknown: 503 to every request reaching its position until it is fixed", key)
        return FileState(key, FAIL_CLOSED, fail_closed_route(result, key), mode="refuse-position")

    def _swap(self) -> None:
        ordered = [self.files[k] for k in sorted(self.files)]
        routes = tuple(f.route for f in ordered if f.route is not None)
        injected = frozenset().union(*(r.injected_headers for r in routes))
        self.table = RouteTable(routes, injected)
        for state in (LOADED, FAILED, FAIL_CLOSED):
            self.services.metrics.routes.labels(state).set(sum(1 for f in ordered if f.state == state))
        self._mark_shadowed(ordered)

    def _mark_shadowed(self, ordered: list[FileState]) -> None:
        """Record (and log once) the files an earlier catch-all keeps from ever being reached."""
        entries = [(f.file, _takes_everything(f)) for f in ordered if f.route is not None]
        found = shadowing(entries)
        for entry in ordered:
            by = found.get(entry.file)
            if by is not None and entry.shadowed_by != by[0]:
                log.warning("%s is never reached: %s comes first and takes every request (%s)", entry.file, *by)
            entry.shadowed_by = by[0] if by else None

    def status(self) -> list[dict[str, Any]]:
        """Every file with its order, state, errors and load time."""
        return [self.files[k].as_json(i) for i, k in enumerate(sorted(self.files))]


def _takes_everything(entry: FileState) -> str | None:
    assert entry.route is not None
    return UNKNOWN if entry.mode == "refuse-position" else takes_everything(entry.route.condition)
