"""The objects expressions see (`request`, `contexts`, `identity`, ...), computed lazily per request."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from gateway.exchange import Exchange


class _Lazy(Mapping[str, Any]):
    """A read-only mapping whose values are computed on first access."""

    __slots__ = ("_cache", "_makers")

    def __init__(self, makers: Mapping[str, Callable[[], Any]]) -> None:
        self._makers = makers
        self._cache: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        try:
            return self._cache[key]
        except KeyError:
            maker = self._makers[key]
            value = self._cache[key] = maker()
            return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._makers)

    def __len__(self) -> int:
        return len(self._makers)


def _multi(pairs: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


class _Headers(Mapping[str, Any]):
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


def request_view(request: web.BaseRequest, exchange: Exchange, remote: Callable[[], str | None]) -> _Lazy:
    """`request` as expressions see it."""
    uri = _Lazy(
        {
            "path": lambda: request.path,
            "rawPath": lambda: request.raw_path.partition("?")[0],
            "query": lambda: request.query_string,
            "host": lambda: request.host.rsplit(":", 1)[0] if request.host else None,
            "port": lambda: request.url.port,
            "scheme": lambda: request.scheme,
            "value": lambda: str(request.url),
        }
    )
    return _Lazy(
        {
            "method": lambda: request.method,
            "uri": lambda: uri,
            "headers": lambda: _Headers(exchange.request_headers(request.headers)),
            "queryParams": lambda: _multi(request.query.items()),
            "cookies": lambda: {name: [{"name": name, "value": value}] for name, value in request.cookies.items()},
            "version": lambda: f"HTTP/{request.version.major}.{request.version.minor}",
            "remoteAddress": remote,
        }
    )


class Scope(_Lazy):
    """The roots of the expression language for one request."""

    __slots__ = ()

    def __init__(self, request: web.BaseRequest, exchange: Exchange, remote: Callable[[], str | None]) -> None:
        super().__init__(
            {
                "request": lambda: request_view(request, exchange, remote),
                "contexts": lambda: {"client": {"remoteAddress": remote()}},
                "session": lambda: exchange.session if exchange.session is not None else {},
                "identity": lambda: exchange.identity.as_scope() if exchange.identity else {},
                "attributes": lambda: exchange.attributes,
                "env": lambda: os.environ,
            }
        )

    def refresh(self, *names: str) -> None:
        """Forget cached roots that a filter changed (e.g. identity after login)."""
        for name in names:
            self._cache.pop(name, None)
