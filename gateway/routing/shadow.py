"""Routes that can never be reached: an earlier route with no condition, or one always true, takes
every request first (a new `00-` catch-all shadows every route after it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from gateway.expressions.values import truthy

if TYPE_CHECKING:
    from gateway.expressions import Expression


def takes_everything(condition: Expression | None) -> str | None:
    """Why a route with this condition takes every request (None if it may not)."""
    if condition is None:
        return "it has no condition"
    if condition.is_constant and truthy(condition({})):
        return f"its condition {condition.source!r} is always true"
    return None


UNKNOWN = "its condition is unknown, so it answers 503 to every request reaching it"


def shadowing(entries: Sequence[tuple[str, str | None]]) -> dict[str, tuple[str, str]]:
    """For each shadowed file: the file that shadows it and why. `entries` are (file, why it takes
    every request, or None), in order."""
    found: dict[str, tuple[str, str]] = {}
    first: tuple[str, str] | None = None
    for file, why in entries:
        if first is not None:
            found[file] = first
        elif why is not None:
            first = (file, why)
    return found
