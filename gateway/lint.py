"""`gateway check`: lint route files (and a config) without serving, reporting every problem."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gateway.app import create_services
from gateway.errors import ConfigError, ConfigErrors
from gateway.heap.build import Heap
from gateway.ops.metrics import Metrics
from gateway.policy.compile import policy_file_errors
from gateway.routing.loader import LoadResult, load_route
from gateway.routing.reload import is_route_file
from gateway.routing.shadow import UNKNOWN, shadowing, takes_everything
from gateway.runtime import build_global_heap
from gateway.services import Services
from gateway.settings import SKIP, Settings, load_settings


def _files(paths: list[Path]) -> tuple[list[Path], list[ConfigError]]:
    files: list[Path] = []
    missing: list[ConfigError] = []
    for path in paths:
        if path.is_dir():
            files.extend(p for p in sorted(path.iterdir()) if is_route_file(p))
        elif path.is_file():
            files.append(path)
        else:
            missing.append(ConfigError("$", "no such file or folder", str(path)))
    return files, missing


def global_heap_errors(settings: Settings) -> list[ConfigError]:
    """Problems in the config file's global heap; empty when it builds."""
    try:
        build_global_heap(Services(settings=settings, metrics=Metrics()))
    except ConfigErrors as exc:
        return exc.errors
    return []


@dataclass
class Report:
    """What `gateway check` found: errors fail the check, warnings (routes never reached) do not."""

    errors: list[ConfigError] = field(default_factory=list)
    warnings: list[ConfigError] = field(default_factory=list)


def check_paths(paths: list[Path], config: Path | None) -> list[ConfigError]:
    """Every problem in the given route files and config; empty when all is well."""
    return check(paths, config).errors


def check(paths: list[Path], config: Path | None) -> Report:
    """Every problem and warning in the given route files (default: the routes folder) and config."""
    try:
        settings = load_settings(config) if config else Settings()
    except ConfigErrors as exc:
        return Report(exc.errors)
    return check_settings(settings, paths)


def check_settings(settings: Settings, paths: list[Path] | None = None) -> Report:
    """Every problem and warning in route files, loaded as `gateway serve` with `settings` would."""
    try:
        # The serving services, so that capture and store settings are checked as serving would.
        services = create_services(settings)
        heap = build_global_heap(services)
    except ConfigErrors as exc:
        return Report(exc.errors)
    files, errors = _files(paths or [Path(settings.routes)])
    report, names = Report(errors), dict[str, str]()
    policies = [file for file in files if file.suffix in (".yaml", ".yml")]
    for file in policies:
        report.errors.extend(policy_file_errors(file))
    results = [(file, _load(file, services, heap)) for file in files if file not in policies]
    for file, result in results:
        report.errors.extend(result.errors)
        name = result.route.name if result.route else None
        if name and name in names:
            message = f"route name '{name}' is already used by {names[name]}"
            report.errors.append(ConfigError("$.name", message, str(file)))
        elif name:
            names[name] = str(file)
    report.warnings = _shadowed(results, settings.routing.onBrokenRoute == SKIP)
    return report


def _load(file: Path, services: Services, heap: Heap) -> LoadResult:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:  # as serving reads it
        return LoadResult(None, [ConfigError("$", f"cannot read the file: {exc}", str(file))])
    return load_route(file, text, services, heap, str(file))


def _shadowed(results: list[tuple[Path, LoadResult]], skip: bool) -> list[ConfigError]:
    """A warning per route that an earlier route of its folder keeps from ever being reached."""
    warnings = []
    for folder in dict.fromkeys(file.parent for file, _ in results):
        entries = [(str(f), _why(r, skip)) for f, r in results if f.parent == folder]
        for file, (other, why) in shadowing(entries).items():
            message = f"never reached: {other} comes first and takes every request ({why})"
            warnings.append(ConfigError("$", message, file))
    return warnings


def _why(result: LoadResult, skip: bool) -> str | None:
    if not result.condition_ok:
        return None if skip else UNKNOWN
    return takes_everything(result.route.condition if result.route else result.condition)
