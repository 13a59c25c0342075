"""The build context given to every `from_config`: error collection, compiling, references."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from gateway.durations import to_seconds
from gateway.errors import ConfigError
from gateway.expressions import Expression, ExpressionError, Options, compile_expression

if TYPE_CHECKING:
    from gateway.contract import Filter, HandlerFn
    from gateway.services import Services

T = TypeVar("T")


class Heap(Protocol):
    """Where references resolve: the objects of one route or of the config (`gateway.heap.build.Heap`)."""

    def handler(self, ref: Any, path: str, ctx: BuildContext) -> HandlerFn: ...
    def filter(self, ref: Any, path: str, ctx: BuildContext) -> Filter: ...
    def typed(self, ref: Any, path: str, ctx: BuildContext, cls: type[T]) -> T | None: ...
    @property
    def parent(self) -> Heap | None:
        """The enclosing heap (a route's is the global heap's), None for the global heap."""


@functools.lru_cache(maxsize=1024)
def _options(file: str | None, routes_setting: str) -> Options:
    # Once per route file: resolving the folder costs system calls.
    if file is None:
        return Options.at(None)
    routes = Path(file).parent if Path(file).is_absolute() else Path(routes_setting)
    return Options.at(routes.parent if routes.parent != routes else None)


@dataclass(eq=False)
class BuildContext:
    """What a heap type needs while it compiles: where it is, the heap, and the app's services."""

    file: str | None
    services: Services
    heap: Heap | None = None
    errors: list[ConfigError] = field(default_factory=list)
    on_expression_error: Callable[[str, BaseException], None] | None = None
    # What the route's expressions need before they run ("entity": the request body, read once).
    needs: set[str] = field(default_factory=set)
    # Header names any filter of this route may inject; stripped from every client request.
    injected_headers: set[str] = field(default_factory=set)
    # JSON path of the object being built; relative paths given to error() are joined to it.
    base: str = "$"
    # The heap name of the object being built (None for inline objects).
    object_name: str | None = None
    # The route has a `session` (a JwtSession): filters may write `${session.NAME}`.
    writable_session: bool = False
    # The route's name ("-" in the global heap), and whether the route times all its objects (`"timer": true`).
    route: str = "-"
    timer: bool = False

    def at(self, base: str, name: str | None = None) -> BuildContext:
        """The same context, located at `base` (errors and heap are shared)."""
        return replace(self, base=base, object_name=name)

    def where(self, path: str) -> str:
        """The absolute JSON path of `path`, which may be relative to this object."""
        if path.startswith("$"):
            return path
        if not path:
            return self.base
        return f"{self.base}{path}" if path.startswith("[") else f"{self.base}.{path}"

    @property
    def settings(self) -> Any:
        """The global settings."""
        return self.services.settings

    def error(self, path: str, message: str) -> None:
        """Record one problem; building goes on so that every problem is reported at once."""
        self.errors.append(ConfigError(self.where(path), message, self.file))

    def expression(self, text: str, path: str) -> Expression:
        """Compile an expression once, at load time; a bad one is recorded with its column."""
        try:
            compiled = compile_expression(text, on_error=self.on_expression_error, options=self.expression_options())
            if compiled.reads_entity:
                self.needs.add("entity")
            return compiled
        except ExpressionError as exc:
            self.error(path, f"invalid expression {text!r}: {exc}")
            return compile_expression("")

    def expression_options(self) -> Options:
        """The configuration folder (the one holding the routes folder) and the `system` properties."""
        return _options(self.file, getattr(self.settings, "routes", "routes"))

    def expression_lists(self, values: Mapping[str, Sequence[str]], path: str) -> list[tuple[str, Expression]]:
        """Each name with each of its values compiled, in order (header names to values, as OpenIG writes them)."""
        return [
            (name, self.expression(value, f"{path}.{name}[{index}]"))
            for name, texts in values.items()
            for index, value in enumerate(texts)
        ]

    def duration(self, value: str | float, path: str) -> float:
        """Seconds in an OpenIG duration such as "10 s" or a plain number of seconds."""
        try:
            return to_seconds(value)
        except ValueError as exc:
            self.error(path, str(exc))
            return 0.0

    def resolve_handler(self, ref: str | dict[str, Any], path: str) -> HandlerFn:
        """The callable of a handler reference (a heap name or an inline object)."""
        assert self.heap is not None, "heap is set before any object is built"
        return self.heap.handler(ref, self.where(path), self)

    def resolve_filter(self, ref: str | dict[str, Any], path: str) -> Filter:
        """A filter from a reference (a heap name or an inline object)."""
        assert self.heap is not None, "heap is set before any object is built"
        return self.heap.filter(ref, self.where(path), self)

    def resolve(self, ref: str | dict[str, Any], path: str, cls: type[T]) -> T | None:
        """A heap object of type `cls` (a provider, a decorator, a policy), or None if it failed."""
        assert self.heap is not None, "heap is set before any object is built"
        return self.heap.typed(ref, self.where(path), self, cls)
