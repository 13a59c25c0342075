"""Build heap objects from their declarations and resolve references, once per load."""

from __future__ import annotations

import difflib
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import ValidationError

from gateway.heap.ignored import is_ignored, without_ignored
from gateway.heap.scalars import evaluate_scalars, load_time_value
from gateway.heap.timed import timed
from gateway.validation import validation_errors

if TYPE_CHECKING:
    from gateway.contract import Filter, HandlerFn
    from gateway.heap.catalog import Catalog
    from gateway.heap.context import BuildContext

log = logging.getLogger("gateway.routes")
T = TypeVar("T")
_KEYS = {"name", "type", "config", "capture", "timer", "comment"}


class _Failed:
    """Stands in for an object that failed to build, so that building goes on."""

    async def handle(self, request: Any) -> Any:
        raise RuntimeError("a route that failed to build is never served")

    async def filter(self, request: Any, next: Any) -> Any:
        raise RuntimeError("a route that failed to build is never served")


FAILED = _Failed()


class Heap:
    """Named objects of one route (or of the global config), built lazily and once each."""

    def __init__(
        self, ctx: BuildContext, decls: Any, base: str, parent: Heap | None = None, catalog: Catalog | None = None
    ) -> None:
        self.parent = parent
        found = catalog if catalog is not None else parent.catalog if parent is not None else None
        if found is None:
            raise ValueError("a heap needs a catalog of types, its own or its parent's")
        self.catalog: Catalog = found
        self.ctx = ctx
        self._decls: dict[str, tuple[dict[str, Any], str]] = {}
        self._built: dict[str, Any] = {}
        self._building: list[str] = []
        # A route's `globalDecorators` (decorator name -> points): applied to every filter and handler built here.
        self.global_decorators: dict[str, Any] = {}
        self._read(decls, base)

    def _read(self, declarations: Any, base: str) -> None:
        if declarations is None:
            return
        if not isinstance(declarations, list):
            self.ctx.error(base, "heap must be a list of {name, type, config} objects")
            return
        for index, decl in enumerate(declarations):
            path = f"{base}[{index}]"
            if not isinstance(decl, dict):
                self.ctx.error(path, "a heap object must be a JSON object {name, type, config}")
                continue
            name = decl.get("name")
            if not isinstance(name, str) or not name:
                self.ctx.error(f"{path}.name", "required property is missing (a non-empty string)")
                continue
            if name in self._decls:
                self.ctx.error(f"{path}.name", f"duplicate heap object name '{name}' (first at {self._decls[name][1]})")
                continue
            self._decls[name] = (decl, path)

    def names(self) -> list[str]:
        """Names declared here and in the parents."""
        return list(self._decls) + (self.parent.names() if self.parent else list(self.catalog.defaults))

    def build_all(self) -> None:
        """Build every declared object, so that errors in unreferenced ones are reported too."""
        for name in self._decls:
            self._get(name, self._decls[name][1], self.ctx)

    def handler(self, ref: Any, path: str, ctx: BuildContext) -> HandlerFn:
        """A handler's callable from a name or an inline object."""
        obj = self._timed(self._object(ref, path, ctx), ref, ctx)
        if obj is FAILED or not hasattr(obj, "handle"):
            if obj is not FAILED:
                ctx.error(path, f"expected a handler, but {_describe(ref)} is {_kind(obj)}")
            return FAILED.handle
        return obj.handle  # type: ignore[no-any-return]

    def filter(self, ref: Any, path: str, ctx: BuildContext) -> Filter:
        """A filter from a name or an inline object."""
        obj = self._timed(self._object(ref, path, ctx), ref, ctx)
        if obj is not FAILED and not hasattr(obj, "filter"):
            ctx.error(path, f"expected a filter, but {_describe(ref)} is {_kind(obj)}")
            return FAILED
        return obj  # type: ignore[no-any-return]

    @staticmethod
    def _timed(obj: Any, ref: Any, ctx: BuildContext) -> Any:
        """Every filter and handler of a route with `"timer": true`, timed under its name (or type)."""
        if not ctx.timer or obj is FAILED:
            return obj
        return timed(obj, ctx.services.metrics.timers.timer(ctx.route, _label(ref)))

    def typed(self, ref: Any, path: str, ctx: BuildContext, cls: type[T]) -> T | None:
        """A heap object that must be an instance of `cls` (providers, decorators, policies)."""
        obj = self._object(ref, path, ctx)
        if obj is FAILED:
            return None
        if not isinstance(obj, cls):
            ctx.error(path, f"expected a {cls.__name__}, but {_describe(ref)} is {_kind(obj)}")
            return None
        return obj

    def _object(self, ref: Any, path: str, ctx: BuildContext) -> Any:
        if isinstance(ref, str):
            return self._get(ref, path, ctx)
        if isinstance(ref, dict):
            return self._instantiate(ref, path, ctx)
        ctx.error(path, "expected a heap object name or an inline {type, config} object")
        return FAILED

    def _get(self, name: str, path: str, ctx: BuildContext) -> Any:
        if name in self._built:
            return self._built[name]
        if name in self._building:
            cycle = " -> ".join([*self._building[self._building.index(name) :], name])
            ctx.error(path, f"reference cycle: {cycle}")
            return FAILED
        if name not in self._decls:
            return self._from_parent(name, path, ctx)
        decl, decl_path = self._decls[name]
        self._building.append(name)
        try:
            obj = self._instantiate(decl, decl_path, self.ctx)
        finally:
            self._building.pop()
        self._built[name] = obj
        return obj

    def _from_parent(self, name: str, path: str, ctx: BuildContext) -> Any:
        if self.parent is not None:
            if name in self.parent.names():
                obj = self.parent._get(name, path, ctx)
                # Built once with the parent's context: the headers shared objects inject are this route's too.
                ctx.injected_headers.update(self.parent.ctx.injected_headers)
                return obj
        elif name in self.catalog.defaults:
            type_name, config = self.catalog.defaults[name]
            self._decls[name] = ({"name": name, "type": type_name, "config": config}, f"<default {name}>")
            return self._get(name, path, ctx)
        near = difflib.get_close_matches(name, self.names(), n=1)
        hint = f"; did you mean '{near[0]}'?" if near else ""
        ctx.error(path, f"no heap object named '{name}'{hint}")
        return FAILED

    def _instantiate(self, decl: Mapping[str, Any], path: str, ctx: BuildContext) -> Any:
        # As in OpenIG, a key naming a heap object (a decorator such as a CaptureDecorator) decorates with it.
        names = set(self.names())
        decorations = {k: decl[k] for k in decl.keys() - _KEYS if k in names and not is_ignored(k)}
        for key in sorted(k for k in decl.keys() - _KEYS - decorations.keys() if not is_ignored(k)):
            ctx.error(f"{path}.{key}", _unknown_key(key))
        type_name = decl.get("type")
        cls = self.catalog.types.get(type_name) if isinstance(type_name, str) else None
        if cls is None:
            refused = self.catalog.refused.get(type_name) if isinstance(type_name, str) else None
            message = f"type {type_name!r} is not supported: {refused}" if refused else None
            ctx.error(f"{path}.type", message or _unknown_type(type_name, self.catalog.types))
            return FAILED
        config = _config(cls, decl.get("config", {}), f"{path}.config", ctx)
        if config is None:
            return FAILED
        before = len(ctx.errors)
        name = decl.get("name")
        obj = cls.from_config(config, ctx.at(f"{path}.config", name if isinstance(name, str) else None))
        if len(ctx.errors) > before:
            return FAILED
        return self._decorate(obj, decl, decorations, path, ctx)

    def _decorate(self, obj: Any, decl: Mapping[str, Any], named: dict[str, Any], path: str, ctx: BuildContext) -> Any:
        """Apply `timer`, `capture`, the decorators named as keys, then the route's `globalDecorators`."""
        label = _label(decl)
        if _wants_timer(decl.get("timer"), f"{path}.timer", ctx):
            obj = timed(obj, ctx.services.metrics.timers.timer(ctx.route, label))
        decorate = ctx.services.decorate
        if decorate is None:
            return obj
        if decl.get("capture") is not None:
            obj = decorate(obj, decl["capture"], f"{path}.capture", ctx, label)
        for key, points in sorted(named.items()):
            obj = decorate(obj, {"decorator": key, "points": points}, f"{path}.{key}", ctx, label)
        if not hasattr(obj, "handle") and not hasattr(obj, "filter"):
            return obj  # global decorators apply to filters and handlers only
        for key, points in self.global_decorators.items():
            obj = decorate(obj, {"decorator": key, "points": points}, f"$.globalDecorators.{key}", ctx, label)
        return obj


def _config(cls: Any, given: Any, path: str, ctx: BuildContext) -> Any:
    """The validated config of a `cls` object, or None once its problems are recorded."""
    failed: set[str] = set()
    raw = evaluate_scalars(without_ignored(given, cls.Config), cls.Config, path, ctx, failed)
    try:
        config = cls.Config.model_validate(raw if raw is not None else {})
    except ValidationError as exc:
        for where, message in validation_errors(exc, cls.Config, path):
            if where not in failed:  # already reported, with the expression that failed
                ctx.error(where, message)
        _check_the_rest(cls, raw, exc, ctx.at(path))
        return None
    return None if failed else config


def _check_the_rest(cls: Any, raw: Any, exc: ValidationError, ctx: BuildContext) -> None:
    """Build the config without its invalid keys, only to report every other problem at once."""
    bad = {error["loc"][0] for error in exc.errors() if error["loc"]}
    if not isinstance(raw, dict) or not bad:
        return
    try:
        config = cls.Config.model_validate({k: v for k, v in raw.items() if k not in bad})
    except ValidationError:
        return  # what is left is incomplete: its problems are the ones already reported
    before = len(ctx.errors)
    try:
        cls.from_config(config, ctx)
    except Exception as exc:  # best effort: a builder may assume keys that were dropped
        log.debug("checking the rest of %s raised %r", ctx.base, exc)
    # Only problems inside the keys that were kept: one about the whole object may stem from the drop.
    kept = [f"{ctx.base}.{key}" for key in raw if key not in bad]
    ctx.errors[before:] = [e for e in ctx.errors[before:] if any(_within(e.path, k) for k in kept)]


def _label(ref: Any) -> str:
    """An object's name in timers and captures: its heap name, else its type."""
    return ref if isinstance(ref, str) else str(ref.get("name", ref.get("type")))


def _wants_timer(value: Any, path: str, ctx: BuildContext) -> bool:
    if isinstance(value, str) and "${" in value:
        value = load_time_value(value, path, ctx, set())
    if value is None or isinstance(value, bool):
        return bool(value)
    ctx.error(path, f"timer must be true or false (got {value!r})")
    return False


def _within(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith((f"{prefix}.", f"{prefix}["))


def _describe(ref: Any) -> str:
    return f"'{ref}'" if isinstance(ref, str) else "the inline object"


def _unknown_key(key: str) -> str:
    if key == "audit":
        return 'audit on a heap object is not supported: give the route "audit" (a tag) or "auditService"'
    near = difflib.get_close_matches(key, sorted(_KEYS), n=1)
    hint = f"did you mean '{near[0]}'? " if near else ""
    return f"unknown property '{key}'; {hint}(a heap object has {', '.join(sorted(_KEYS))})"


def _kind(obj: Any) -> str:
    role = "a handler" if hasattr(obj, "handle") else "a filter" if hasattr(obj, "filter") else "neither"
    return f"a {type(obj).__name__} ({role})"


def _unknown_type(type_name: Any, types: Mapping[str, Any]) -> str:
    known = sorted(types)
    listing = f"known types: {', '.join(known)}"
    if type_name is None:
        return f"required property is missing ({listing})"
    near = difflib.get_close_matches(str(type_name), known, n=1)
    hint = f"; did you mean '{near[0]}'?" if near else ""
    return f"unknown type {type_name!r}{hint} ({listing})"
