"""Load one route file: parse, validate, build the heap, compile expressions, fold the chain."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from yarl import URL

from gateway.errors import ConfigError
from gateway.filters.audit_service import LOGGER as AUDIT_LOGGER
from gateway.filters.audit_service import AuditService
from gateway.filters.jwt_session import JwtSession
from gateway.heap.baseuri import base_uri
from gateway.heap.build import Heap
from gateway.heap.context import BuildContext
from gateway.heap.ignored import without_ignored
from gateway.heap.scalars import evaluate_scalars
from gateway.keys import EXCHANGE
from gateway.routing.model import RouteFile
from gateway.routing.route import Route
from gateway.routing.source import parse_json
from gateway.routing.target import untargeted_clients
from gateway.scope.entity import read_entity
from gateway.validation import validation_errors

if TYPE_CHECKING:
    from aiohttp import web

    from gateway.contract import HandlerFn
    from gateway.expressions import Expression
    from gateway.services import Services

log = logging.getLogger("gateway.routes")
_NOWHERE = (
    "ClientHandler has nowhere to send: the route has no baseURI, gateway.yaml has no routing.baseURI, "
    'and nothing in the route names an upstream (give the route a "baseURI" such as "http://app:8080")'
)


@dataclass
class LoadResult:
    """A route, or the errors that kept it from loading (and its condition, if that compiled)."""

    route: Route | None
    errors: list[ConfigError] = field(default_factory=list)
    name: str | None = None
    condition: Expression | None = None
    # Whether the condition is known: it compiled, or the file has none (which takes every request).
    condition_ok: bool = False


def load_route(
    path: Path, text: str, services: Services, parent: Heap | None, display: str | None = None
) -> LoadResult:
    """Compile a route file; never raises for bad content."""
    file = display or str(path)
    data, errors = parse_json(text, file)
    if data is None and errors:  # unreadable; a file holding `null` is read, and refused just below
        return LoadResult(None, errors)
    if not isinstance(data, dict):
        return LoadResult(None, [ConfigError("$", "a route file must hold a JSON object {name, condition, ...}", file)])
    data, failed = _with_scalars(data, file, services, errors)
    try:
        model = RouteFile.model_validate(data)
    except ValidationError as exc:
        errors += [ConfigError(p, m, file) for p, m in validation_errors(exc, RouteFile, "$") if p not in failed]
        salvaged = _without_bad_keys(data, exc)
        if salvaged is None:
            return _invalid(data, path, file, services, errors)
        model = salvaged
    try:
        result = _build(model, path, file, services, parent)
    except Exception as exc:  # a bug in one type's builder fails this file, never the whole reload
        log.exception("%s: building the route raised", file)
        error = ConfigError("$", f"the route could not be built: {type(exc).__name__}: {exc}", file)
        return _invalid(data, path, file, services, [*errors, error])
    if errors:
        result = _invalid(data, path, file, services, errors + result.errors)
    return result


def _with_scalars(
    data: dict[str, Any], file: str, services: Services, errors: list[ConfigError]
) -> tuple[dict[str, Any], set[str]]:
    """The route's top level less ignored keys, its scalar expressions evaluated; failures go to `errors`."""
    scalars, failed = BuildContext(file, services), set[str]()
    data = evaluate_scalars(without_ignored(data, RouteFile), RouteFile, "$", scalars, failed)
    errors += scalars.errors
    return data, failed


def _without_bad_keys(data: dict[str, Any], exc: ValidationError) -> RouteFile | None:
    """The route without the top-level keys that failed, so that the rest is still built and every
    problem of the file is reported at once; None if what is left is not a route (no handler)."""
    bad = {error["loc"][0] for error in exc.errors() if error["loc"]}
    try:
        return RouteFile.model_validate({k: v for k, v in data.items() if k not in bad})
    except ValidationError:
        return None


def _invalid(data: dict[str, Any], path: Path, file: str, services: Services, errors: list[ConfigError]) -> LoadResult:
    """Errors, and the condition if it compiles on its own, so that the file can be installed fail-closed."""
    name = data.get("name") if isinstance(data.get("name"), str) and data.get("name") else path.stem
    text = data.get("condition")
    if text is None:
        return LoadResult(None, errors, name, None, True)
    if not isinstance(text, str):
        return LoadResult(None, errors, name)
    ctx = BuildContext(file, services)
    try:
        condition = ctx.expression(text, "$.condition")
    except Exception as exc:  # e.g. RecursionError on absurd nesting: the condition stays unknown
        return LoadResult(None, [*errors, ConfigError("$.condition", f"cannot compile: {exc!r}", file)], name)
    if ctx.errors:
        return LoadResult(None, _merge(errors, ctx.errors), name)
    return LoadResult(None, errors, name, condition, True)


def _merge(errors: list[ConfigError], more: list[ConfigError]) -> list[ConfigError]:
    seen = {(e.path, e.message) for e in errors}
    return errors + [e for e in more if (e.path, e.message) not in seen]


def _build(model: RouteFile, path: Path, file: str, services: Services, parent: Heap | None) -> LoadResult:
    ctx = BuildContext(file, services)
    name = ctx.route = model.name or path.stem
    decorators = dict(model.globalDecorators)
    # `globalDecorators: {"timer": true}` is OpenIG's other way to time every object of the route.
    ctx.timer = model.timer or decorators.pop("timer", False) is True
    condition = ctx.expression(model.condition, "$.condition") if model.condition is not None else None
    condition_ok = not ctx.errors
    given = model.baseURI or services.settings.routing.baseURI
    where = "$.baseURI" if model.baseURI else "routing.baseURI (gateway.yaml)"
    base = base_uri(given, where, ctx) if given else None
    for client in [] if given else untargeted_clients(model.heap, model.handler):
        ctx.error(client, _NOWHERE)
    ctx.heap = heap = Heap(ctx, model.heap, "$.heap", parent)
    heap.global_decorators = decorators
    ctx.writable_session = model.session is not None
    handler = ctx.resolve_handler(model.handler, "$.handler")
    if model.session is not None and (session := ctx.resolve(model.session, "$.session", JwtSession)) is not None:
        handler = functools.partial(session.filter, next=handler)
    if model.auditService is not None or model.audit:
        handler = _audited(model, ctx, handler)
    heap.build_all()
    if model.capture is not None and services.decorate is not None:
        handler = services.decorate(_Entry(handler), model.capture, "$.capture", ctx, name).handle
    if ctx.errors:
        return LoadResult(None, ctx.errors, name, condition, condition_ok)
    injected, reads_entity = frozenset(ctx.injected_headers), "entity" in ctx.needs
    route = Route(
        name, file, condition, handler, base, False, model.monitor, injected, reads_entity, model.allowDoubleEncoding
    )
    return LoadResult(_with_entry(route), [], name, condition, True)


def _audited(model: RouteFile, ctx: BuildContext, handler: HandlerFn) -> HandlerFn:
    """The handler writing access events: to the route's AuditService, or with `audit` alone to the log."""
    if model.auditService is None:
        service: AuditService | None = AuditService(logging.getLogger(AUDIT_LOGGER))
    else:
        service = ctx.resolve(model.auditService, "$.auditService", AuditService)
    audit = model.audit
    tags = (audit,) if isinstance(audit, str) else tuple(audit) if isinstance(audit, list) else ()
    return service.wrap(handler, ctx.route, tags) if service is not None else handler


class _Entry:
    """Adapts a handler callable to the handler shape, so the route itself can be decorated."""

    def __init__(self, handler: HandlerFn) -> None:
        self.handle = handler


def _with_entry(route: Route) -> Route:
    """Wrap the handler so that it first records the route and its baseURI in the exchange."""
    inner, base, reads_entity = route.handler, route.base_uri, route.reads_entity
    static = base if isinstance(base, URL) else None
    per_request = None if base is None or isinstance(base, URL) else base

    async def entry(request: web.BaseRequest) -> web.StreamResponse:
        exchange = request[EXCHANGE]
        exchange.route = route_ref
        exchange.base_uri = static if per_request is None else per_request(exchange.scope)
        if reads_entity:
            await read_entity(request, exchange)
        return await inner(request)

    route_ref = replace(route, handler=entry)
    return route_ref
