"""Capture points, as in OpenIG: where on a decorated object its messages are recorded."""

from __future__ import annotations

import difflib
import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gateway.validation import ErrorSink

DEFAULT_DECORATOR = "capture"


class Point(enum.Flag):
    """One capture point; `all` is every one of them."""

    NONE = 0
    REQUEST = enum.auto()
    FILTERED_REQUEST = enum.auto()
    RESPONSE = enum.auto()
    FILTERED_RESPONSE = enum.auto()
    ALL = REQUEST | FILTERED_REQUEST | RESPONSE | FILTERED_RESPONSE

    @property
    def label(self) -> str:
        """The name written in records: request, filtered_request, response, filtered_response."""
        return LABELS.get(self._value_) or (self.name or "").lower()


# Each single point's label by its value: a Flag member's `name` is computed on every access, which
# costs more than everything else in taking a record.
LABELS: dict[int, str] = {
    p._value_: (p.name or "").lower()
    for p in (Point.REQUEST, Point.FILTERED_REQUEST, Point.RESPONSE, Point.FILTERED_RESPONSE)
}


NAMES = {p.label: p for p in (Point.REQUEST, Point.FILTERED_REQUEST, Point.RESPONSE, Point.FILTERED_RESPONSE)}
NAMES["all"] = Point.ALL
ANY_REQUEST = Point.REQUEST | Point.FILTERED_REQUEST
ANY_RESPONSE = Point.RESPONSE | Point.FILTERED_RESPONSE


@dataclass(frozen=True, slots=True)
class CaptureSpec:
    """A parsed `capture` property: which decorator records, and at which points."""

    decorator: str | dict[str, Any]
    points: Point


def parse_capture(value: Any, path: str, ctx: ErrorSink) -> CaptureSpec | None:
    """`"all"`, `["request", "response"]` or `{"decorator": name, "points": [...]}`; None when nothing to do."""
    decorator: Any = DEFAULT_DECORATOR
    if isinstance(value, dict):
        unknown = sorted(set(value) - {"decorator", "points"})
        for key in unknown:
            ctx.error(f"{path}.{key}", f"unknown property '{key}' (capture has 'decorator' and 'points')")
        decorator = value.get("decorator", DEFAULT_DECORATOR)
        if not isinstance(decorator, str | dict):
            ctx.error(f"{path}.decorator", "expected the name of a CaptureDecorator or an inline one")
            return None
        value, path = value.get("points", "all"), f"{path}.points"
    points = _points(value, path, ctx)
    return CaptureSpec(decorator, points) if points else None


def _points(value: Any, path: str, ctx: ErrorSink) -> Point:
    if isinstance(value, str):
        return _point(value, path, ctx)
    if not isinstance(value, list):
        ctx.error(path, f"expected a capture point or a list of them ({', '.join(NAMES)})")
        return Point.NONE
    points = Point.NONE
    for index, item in enumerate(value):
        if isinstance(item, str):
            points |= _point(item, f"{path}[{index}]", ctx)
        else:
            ctx.error(f"{path}[{index}]", f"expected a capture point ({', '.join(NAMES)})")
    return points


def _point(name: str, path: str, ctx: ErrorSink) -> Point:
    point = NAMES.get(name.lower())
    if point is None:
        near = difflib.get_close_matches(name.lower(), list(NAMES), n=1)
        hint = f"; did you mean '{near[0]}'?" if near else ""
        ctx.error(path, f"unknown capture point {name!r}{hint} (known: {', '.join(NAMES)})")
        return Point.NONE
    return point
