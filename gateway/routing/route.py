"""A compiled route and the immutable table of routes in file-name order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gateway.http.headers import normalise_header

if TYPE_CHECKING:
    from gateway.contract import HandlerFn
    from gateway.expressions import Expression
    from gateway.heap.baseuri import BaseUri
    from gateway.scope import Scope


@dataclass(frozen=True, slots=True, eq=False)
class Route:
    """One route file, compiled: a condition to match and a handler folded at load time."""

    name: str
    file: str
    condition: Expression | None
    handler: HandlerFn
    base_uri: BaseUri | None = None
    fail_closed: bool = False
    monitor: Any = None
    injected_headers: frozenset[str] = frozenset()
    # Some expression of the route reads `request.entity`: the body is read before the route runs.
    reads_entity: bool = False
    # `allowDoubleEncoding` in the route file: a path still percent-encoded after one decoding is taken.
    allow_double_encoding: bool = False

    def matches(self, scope: Scope) -> bool:
        """Whether this route takes the request; no condition takes everything."""
        return self.condition is None or self.condition.as_bool(scope)


@dataclass(frozen=True, slots=True)
class RouteTable:
    """The routes in order; replaced whole on reload, never mutated."""

    routes: tuple[Route, ...] = ()
    # Every header any route may inject, normalised (lower-case, '_' as '-'): stripped from every request.
    injected_headers: frozenset[str] = field(default=frozenset())
    # Some condition reads `request.entity`: the body is read before matching (computed once).
    reads_entity: bool = field(default=False, init=False)
    # The ASCII characters a client's header name can start with and still name an injected header:
    # most names are passed over without being normalised.
    injected_initials: frozenset[str] = field(default=frozenset(), init=False)

    def __post_init__(self) -> None:
        reads = any(r.condition is not None and r.condition.reads_entity for r in self.routes)
        object.__setattr__(self, "reads_entity", reads)
        firsts = {name[:1] for name in self.injected_headers}
        initials = frozenset(chr(c) for c in range(128) if normalise_header(chr(c)) in firsts)
        object.__setattr__(self, "injected_initials", initials)

    def match(self, scope: Scope) -> Route | None:
        """The first route whose condition holds."""
        for route in self.routes:
            if route.matches(scope):
                return route
        return None

    def by_name(self, name: str) -> Route | None:
        """The route called `name`, if loaded."""
        return next((r for r in self.routes if r.name == name), None)
