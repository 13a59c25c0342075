"""A draft route checked by the gateway's own linter (the loader `gateway check` runs), before it is written."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gateway.admin.files import render
from gateway.errors import ConfigError
from gateway.routing.loader import load_route
from gateway.routing.source import parse_json

if TYPE_CHECKING:
    from pathlib import Path

    from gateway.runtime import Runtime


@dataclass
class Draft:
    """A route as it would be written (`text`), and every problem the linter finds in it."""

    route: dict[str, Any] | None
    text: str | None
    errors: list[ConfigError] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The report the API answers with."""
        return {"valid": not self.errors, "errors": [e.as_dict() for e in self.errors], "text": self.text}


def parse_draft(body: Any, file: str) -> tuple[dict[str, Any] | None, list[ConfigError]]:
    """The route from a request body: `{"route": {...}}`, or `{"text": "..."}` as typed in an editor."""
    if not isinstance(body, dict) or ("route" in body) == ("text" in body):
        return None, [ConfigError("$", 'send {"route": {...}} or {"text": "<route JSON>"}', file)]
    if "route" in body:
        route = body["route"]
    elif isinstance(body["text"], str):
        route, errors = parse_json(body["text"], file)
        if errors:
            return None, errors
    else:
        return None, [ConfigError("$", "text must be a string holding the route's JSON", file)]
    if not isinstance(route, dict):
        return None, [ConfigError("$", "a route file must hold a JSON object {name, condition, ...}", file)]
    return dict(route), []


def check_draft(body: Any, path: Path, runtime: Runtime) -> Draft:
    """Parse, render and lint the draft for file `path` against the running gateway's global heap."""
    file = path.name
    route, errors = parse_draft(body, file)
    if route is None:
        return Draft(None, None, errors)
    text = render(route)
    result = load_route(path, text, runtime.services, runtime.heap, display=file)
    errors = list(result.errors)
    name = result.route.name if result.route is not None else None
    for key, state in runtime.routes.files.items():
        if name and key != file and state.route is not None and state.route.name == name:
            errors.append(ConfigError("$.name", f"route name '{name}' is already used by {key}", file))
    return Draft(route, text, errors)
