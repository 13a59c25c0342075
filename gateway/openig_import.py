"""`gateway import-openig CONFIG.json`: an OpenIG `config.json` turned into a `gateway.yaml`.

Carried over: the global heap (but the Router itself), the Router's `directory` (the routes
folder), `baseURI` (the default of routes that give none) and `scanInterval` (noted: the gateway
watches files itself). Everything else is listed as not carried over, with the reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gateway.errors import ConfigError
from gateway.heap.ignored import is_ignored
from gateway.routing.source import parse_json

# Heap objects every gateway heap has already, as OpenIG's do: declaring them again is dropped.
_IMPLICIT = {"ClientHandler", "capture"}


@dataclass
class Imported:
    """The gateway.yaml content, and what could not be carried over."""

    settings: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    errors: list[ConfigError] = field(default_factory=list)


def import_config(path: Path) -> Imported:
    """Read an OpenIG config.json into gateway settings."""
    out = Imported()
    data, out.errors = parse_json(path.read_text(encoding="utf-8"), str(path))
    if out.errors:
        return out
    if not isinstance(data, dict):
        out.errors.append(ConfigError("$", "an OpenIG config.json holds a JSON object", str(path)))
        return out
    heap = [d for d in data.get("heap", []) if isinstance(d, dict)]
    router, where = _router(data, heap)
    if router is None:
        out.errors.append(
            ConfigError("$.handler", "no Router found (the handler, or the heap object it names)", str(path))
        )
        return out
    _router_settings(router.get("config") or {}, path.parent, out, where)
    out.settings["heap"] = [d for d in heap if d is not router and d.get("name") not in _IMPLICIT]
    for key in sorted(set(data) - {"heap", "handler"}):
        if not is_ignored(key) and key not in ("comment", "comments"):
            out.notes.append(f"$.{key}: not carried over (no equivalent in gateway.yaml)")
    return out


def _router(data: dict[str, Any], heap: list[dict[str, Any]]) -> tuple[dict[str, Any] | None, str]:
    handler = data.get("handler")
    if isinstance(handler, str):
        for index, decl in enumerate(heap):
            if decl.get("name") == handler and decl.get("type") == "Router":
                return decl, f"$.heap[{index}].config"
    if isinstance(handler, dict) and handler.get("type") == "Router":
        return handler, "$.handler.config"
    return None, ""


def _router_settings(config: dict[str, Any], base: Path, out: Imported, where: str) -> None:
    directory = config.get("directory")
    if isinstance(directory, str) and "${" not in directory:
        folder = Path(directory)
        out.settings["routes"] = str(folder if folder.is_absolute() else (base / folder).resolve())
    else:
        out.settings["routes"] = str((base / "routes").resolve())
        if directory is not None:
            out.notes.append(
                f"{where}.directory: {directory!r} is an expression; routes set to {out.settings['routes']}"
            )
    if isinstance(config.get("baseURI"), str):
        out.settings["routing"] = {"baseURI": config["baseURI"]}
    if "scanInterval" in config:
        out.notes.append(f"{where}.scanInterval: not needed; route files are watched and reloaded within two seconds")
    for key in sorted(set(config) - {"directory", "baseURI", "scanInterval"}):
        if not is_ignored(key) and key not in ("comment", "comments"):
            out.notes.append(f"{where}.{key}: not carried over (no equivalent in gateway.yaml)")


def render(imported: Imported, source: Path) -> str:
    """The gateway.yaml text, headed by where it came from and what was left behind."""
    head = [f"# Imported from {source.name} by `gateway import-openig`."]
    head += [f"# Not carried over: {note}" for note in imported.notes]
    return "\n".join(head) + "\n" + yaml.safe_dump(imported.settings, sort_keys=False)
