"""A draft route checked by the gateway's own linter (the loader `gateway check` runs), before it is written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from aiohttp import web

from gateway.admin.files import render
from gateway.errors import ConfigError
from gateway.routing.loader import load_route
from gateway.routing.source import parse_json
from gateway.runtime import RUNTIME, build_global_heap

if TYPE_CHECKING:
    from pathlib import Path

    from gateway.heap.build import Heap
    from gateway.runtime import Runtime
    from gateway.services import Services
    from gateway.settings import Settings

_LINT = "studio_lint"
# The serving services' factory (`app.create_services`), which the composition root above admin/ hands down.
MAKE_SERVICES: web.AppKey[Callable[[Settings], Services]] = web.AppKey("make_services")


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


def _linting(runtime: Runtime, make_services: Callable[[Settings], Services]) -> tuple[Services, Heap]:
    """Services and a global heap of their own, built once, as `gateway check` builds them.

    A draft is built to be checked; building some types registers things (the device endpoints,
    for one) that must not reach the serving gateway before the route is deployed."""
    found = runtime.extras.get(_LINT)
    if found is None:
        services = make_services(runtime.settings)
        found = runtime.extras[_LINT] = (services, build_global_heap(services))
    return cast("tuple[Services, Heap]", found)


def check_draft(body: Any, path: Path, app: web.Application) -> Draft:
    """Parse, render and lint the draft for file `path` with the gateway's settings and global heap."""
    runtime = app[RUNTIME]
    file = path.name
    route, errors = parse_draft(body, file)
    if route is None:
        return Draft(None, None, errors)
    text = render(route)
    services, heap = _linting(runtime, app[MAKE_SERVICES])
    result = load_route(path, text, services, heap, display=file)
    errors = list(result.errors)
    name = result.route.name if result.route is not None else None
    for key, state in runtime.routes.files.items():
        if name and key != file and state.route is not None and state.route.name == name:
            errors.append(ConfigError("$.name", f"route name '{name}' is already used by {key}", file))
    return Draft(route, text, errors)
