"""The heap types a heap may build, handed to it by the composition root (`gateway.types`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Catalog:
    """Heap types by JSON type name, and the objects every heap has without declaring them."""

    types: Mapping[str, Any]
    # name -> (type name, config), as OpenIG's implicit `ClientHandler` and `capture`.
    defaults: Mapping[str, tuple[str, dict[str, Any]]]
    # OpenIG types the gateway will not run: type name -> why, and what to use instead.
    refused: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        types: Iterable[Any],
        defaults: Mapping[str, tuple[str, dict[str, Any]]],
        refused: Mapping[str, str] | None = None,
    ) -> Catalog:
        """A catalog keyed by class name, which is the JSON `type`."""
        return cls({kind.__name__: kind for kind in types}, defaults, refused or {})
