"""`gateway check`: lint route files (and a config) without serving, reporting every problem."""

from __future__ import annotations

from pathlib import Path

from gateway.app import create_services
from gateway.errors import ConfigError, ConfigErrors
from gateway.ops.metrics import Metrics
from gateway.policy.compile import policy_file_errors
from gateway.routing.loader import load_route
from gateway.routing.reload import is_route_file
from gateway.runtime import build_global_heap
from gateway.services import Services
from gateway.settings import Settings, load_settings


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


def check_paths(paths: list[Path], config: Path | None) -> list[ConfigError]:
    """Every problem in the given route files and config; empty when all is well."""
    try:
        settings = load_settings(config) if config else Settings()
    except ConfigErrors as exc:
        return exc.errors
    try:
        # The serving services, so that capture and store settings are checked as serving would.
        services = create_services(settings)
        heap = build_global_heap(services)
    except ConfigErrors as exc:
        return exc.errors
    files, errors = _files(paths or [Path(settings.routes)])
    names: dict[str, str] = {}
    for file in files:
        if file.suffix in (".yaml", ".yml"):
            errors.extend(policy_file_errors(file))
            continue
        result = load_route(file, file.read_text(encoding="utf-8", errors="replace"), services, heap, str(file))
        errors.extend(result.errors)
        name = result.route.name if result.route else None
        if name and name in names:
            errors.append(ConfigError("$.name", f"route name '{name}' is already used by {names[name]}", str(file)))
        elif name:
            names[name] = str(file)
    return errors
