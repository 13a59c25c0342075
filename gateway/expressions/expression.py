"""A compiled template, evaluated against a scope without ever raising."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from gateway.expressions.nodes import Fn
from gateway.expressions.values import to_str, truthy

OnError = Callable[[str, BaseException], None]
_T = TypeVar("_T")
_log = logging.getLogger("gateway.expressions")


class Expression:
    """An OpenIG `${...}` template compiled once; calling it evaluates it against a scope."""

    __slots__ = ("_fn", "_on_error", "is_constant", "reads_entity", "source")

    def __init__(
        self, source: str, fn: Fn, is_constant: bool, on_error: OnError | None, reads_entity: bool = False
    ) -> None:
        self.source, self.is_constant, self.reads_entity = source, is_constant, reads_entity
        self._fn, self._on_error = fn, on_error

    def __call__(self, scope: Mapping[str, Any]) -> Any:
        """The value of the template; null (and one warning) if evaluation fails."""
        try:
            return self._fn(scope)
        except Exception as exc:  # the contract: an evaluation error is null
            self._failed(exc)
            return None

    def as_bool(self, scope: Mapping[str, Any]) -> bool:
        """The value as a condition (see `values.truthy`); false if evaluation fails."""
        # A caller's mapping may fail in len().
        return self._converted(scope, truthy, False)

    def as_str(self, scope: Mapping[str, Any]) -> str:
        """The value as text; "" for null or if evaluation fails."""
        # A value of a type with no rendering fails here.
        return self._converted(scope, to_str, "")

    def _converted(self, scope: Mapping[str, Any], convert: Callable[[Any], _T], default: _T) -> _T:
        value = self(scope)
        try:
            return convert(value)
        except Exception as exc:
            self._failed(exc)
            return default

    def _failed(self, exc: Exception) -> None:
        _log.warning("expression %r failed: %s: %.200s", self.source, type(exc).__name__, exc)
        if self._on_error is None:
            return
        try:
            self._on_error(self.source, exc)
        except Exception:
            _log.exception("on_error callback failed for expression %r", self.source)

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"
