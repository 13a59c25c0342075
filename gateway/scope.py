"""The objects expressions see (`request`, `contexts`, `identity`, ...), computed lazily per request."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web

from gateway.expressions.values import DIRECT_GET
from gateway.http.tls import peer_certificates

if TYPE_CHECKING:
    from multidict import CIMultiDict, CIMultiDictProxy

    from gateway.identity import Identity


class ExchangeView(Protocol):
    """What the scope reads of the request's exchange (`gateway.exchange.Exchange`, which holds the scope)."""

    identity: Identity | None
    session: Any
    attributes: dict[str, Any]

    def request_headers(self, original: CIMultiDictProxy[str]) -> CIMultiDictProxy[str] | CIMultiDict[str]: ...


class _Lazy(Mapping[str, Any]):
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


def _host(request: web.BaseRequest) -> str | None:
    host = request.headers.get("Host")
    return host.rsplit(":", 1)[0] if host else None


class UriView(_Lazy):
    """`request.uri`: path (decoded), rawPath, query, host, port, scheme, value."""

    __slots__ = ("_request",)
    _MAKERS = {
        "path": lambda v: v._request.path,
        "rawPath": lambda v: v._request.raw_path.partition("?")[0],
        "query": lambda v: v._request.query_string,
        "host": lambda v: _host(v._request),
        "port": lambda v: v._request.url.port,
        "scheme": lambda v: v._request.scheme,
        "value": lambda v: str(v._request.url),
    }

    def __init__(self, request: web.BaseRequest) -> None:
        super().__init__()
        self._request = request


def _ssl_object(request: web.BaseRequest) -> Any:
    transport = request.transport
    return transport.get_extra_info("ssl_object") if transport is not None else None


class ClientView(_Lazy):
    """`contexts.client`: remoteAddress, isSecure (TLS to the gateway), certificates (mTLS, leaf first)."""

    __slots__ = ("_scope",)
    _MAKERS = {
        "remoteAddress": lambda v: v._scope.remote(),
        "isSecure": lambda v: _ssl_object(v._scope.request) is not None,
        "certificates": lambda v: peer_certificates(_ssl_object(v._scope.request)),
    }

    def __init__(self, scope: Scope) -> None:
        super().__init__()
        self._scope = scope


class RequestView(_Lazy):
    """`request` as expressions see it; headers are those the next hop will see."""

    __slots__ = ("_request", "_scope")
    _MAKERS = {
        "method": lambda v: v._request.method,
        "uri": lambda v: UriView(v._request),
        "headers": lambda v: _Headers(v._scope.exchange.request_headers(v._request.headers)),
        "queryParams": lambda v: _multi(v._request.query.items()),
        "cookies": lambda v: {name: [{"name": name, "value": value}] for name, value in v._request.cookies.items()},
        "version": lambda v: f"HTTP/{v._request.version.major}.{v._request.version.minor}",
        "remoteAddress": lambda v: v._scope.remote(),
    }

    def __init__(self, request: web.BaseRequest, scope: Scope) -> None:
        super().__init__()
        self._request = request
        self._scope = scope


class Scope(_Lazy):
    """The roots of the expression language for one request."""

    __slots__ = ("_remote", "exchange", "request")
    _MAKERS = {
        "request": lambda s: RequestView(s.request, s),
        "contexts": lambda s: {"client": ClientView(s)},
        "session": lambda s: s.exchange.session if s.exchange.session is not None else {},
        "identity": lambda s: s.exchange.identity.as_scope() if s.exchange.identity else {},
        "attributes": lambda s: s.exchange.attributes,
        "env": lambda s: os.environ,
    }

    def __init__(self, request: web.BaseRequest, exchange: ExchangeView, remote: Callable[[], str | None]) -> None:
        super().__init__()
        self.request = request
        self.exchange = exchange
        self._remote = remote

    def remote(self) -> str | None:
        """The client's address (through trusted proxies, the first untrusted hop)."""
        return self._remote()

    def refresh(self, *names: str) -> None:
        """Forget cached roots that a filter changed (e.g. identity after login)."""
        for name in names:
            self._cache.pop(name, None)
