"""The lazy mappings the expression scope is made of."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from gateway.expressions.values import DIRECT_GET


class Lazy(Mapping[str, Any]):
    """A read-only mapping whose values are computed on first access by per-class makers.

    Makers are module-level functions of the view, so a request allocates no closures."""

    __slots__ = ("_cache",)
    _MAKERS: dict[str, Callable[[Any], Any]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        DIRECT_GET.add(cls)

    def __init__(self) -> None:
        self._cache: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        try:
            return self._cache[key]
        except KeyError:
            value = self._cache[key] = self._MAKERS[key](self)
            return value

    def get(self, key: str, default: Any = None) -> Any:
        """`Mapping.get` in one step: expressions read every member through it."""
        cache = self._cache
        if key in cache:
            return cache[key]
        maker = self._MAKERS.get(key)
        if maker is None:
            return default
        value = cache[key] = maker(self)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._MAKERS)

    def __len__(self) -> int:
        return len(self._MAKERS)


def multi(pairs: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    """Pairs grouped by key, each key to the list of its values in order."""
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


class Headers(Mapping[str, Any]):
    """Request headers by case-insensitive name, each a list of values as in OpenIG."""

    __slots__ = ("_headers",)

    def __init__(self, headers: Any) -> None:
        self._headers = headers

    def __getitem__(self, key: str) -> list[str]:
        values = self._headers.getall(key, None)
        if values is None:
            raise KeyError(key)
        return list(values)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(self._headers.keys()))

    def __len__(self) -> int:
        return len(dict.fromkeys(self._headers.keys()))
