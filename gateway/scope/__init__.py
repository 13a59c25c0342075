"""The objects expressions see (`request`, `contexts`, `identity`, ...), computed lazily per request."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote

from aiohttp import web

from gateway.expressions.values import RENDERERS
from gateway.scope.base import Headers, Lazy, multi
from gateway.scope.contexts import ContextsView, ExchangeAlias, ResponseView, entity_view

if TYPE_CHECKING:
    from multidict import CIMultiDict, CIMultiDictProxy

    from gateway.identity import Identity


class ExchangeView(Protocol):
    """What the scope reads of the request's exchange (`gateway.exchange.Exchange`, which holds the scope)."""

    identity: Identity | None
    session: Any
    jwt_session: dict[str, Any] | None
    attributes: dict[str, Any]
    oauth2: Any

    def request_headers(self, original: CIMultiDictProxy[str]) -> CIMultiDictProxy[str] | CIMultiDict[str]: ...


def _query(request: web.BaseRequest, raw: bool) -> str | None:
    # Java's URI: null when the URI has no '?', "" when it has one and nothing after it.
    target = request.raw_path
    if "?" not in target:
        return None
    query = target.partition("?")[2]
    return query if raw else unquote(query)


class UriView(Lazy):
    """`request.uri` as Java's URI: parts by name, rendered as the URI text by `${request.uri}`."""

    __slots__ = ("_request",)
    _MAKERS = {
        "path": lambda v: v._request.path,
        "rawPath": lambda v: v._request.raw_path.partition("?")[0],
        "query": lambda v: _query(v._request, False),
        "rawQuery": lambda v: _query(v._request, True),
        "fragment": lambda v: None,  # browsers never send one
        "rawFragment": lambda v: None,
        "userInfo": lambda v: None,
        "rawUserInfo": lambda v: None,
        "host": lambda v: v._request.url.raw_host,
        "port": lambda v: v._request.url.explicit_port or -1,
        "authority": lambda v: v._request.host,
        "rawAuthority": lambda v: v._request.host,
        "scheme": lambda v: v._request.scheme,
        "value": lambda v: str(v._request.url),
    }

    def __init__(self, request: web.BaseRequest) -> None:
        super().__init__()
        self._request = request

    def __str__(self) -> str:
        return str(self._request.url)


RENDERERS[UriView] = str


class RequestView(Lazy):
    """`request` as expressions see it; headers are those the next hop will see."""

    __slots__ = ("_request", "_scope")
    _MAKERS = {
        "method": lambda v: v._request.method,
        "uri": lambda v: UriView(v._request),
        "headers": lambda v: Headers(v._scope.exchange.request_headers(v._request.headers)),
        "queryParams": lambda v: multi(v._request.query.items()),
        "cookies": lambda v: {name: [{"name": name, "value": value}] for name, value in v._request.cookies.items()},
        "version": lambda v: f"HTTP/{v._request.version.major}.{v._request.version.minor}",
        "remoteAddress": lambda v: v._scope.remote(),
        "entity": lambda v: entity_view(v._scope.exchange),
    }

    def __init__(self, request: web.BaseRequest, scope: Scope) -> None:
        super().__init__()
        self._request = request
        self._scope = scope


def _session(exchange: ExchangeView) -> Any:
    """The route's JwtSession map when it has one, else the login session (or nothing)."""
    if exchange.jwt_session is not None:
        return exchange.jwt_session
    return exchange.session if exchange.session is not None else {}


class Scope(Lazy):
    """The roots of the expression language for one request."""

    __slots__ = ("_remote", "exchange", "request")
    _MAKERS = {
        "request": lambda s: RequestView(s.request, s),
        "contexts": lambda s: ContextsView(s),
        "exchange": lambda s: ExchangeAlias(s),
        "response": lambda s: None,  # until a response-side filter sets it
        "session": lambda s: _session(s.exchange),
        "identity": lambda s: s.exchange.identity.as_scope() if s.exchange.identity else {},
        "attributes": lambda s: s.exchange.attributes,
        "policy": lambda s: s.exchange.decision if s.exchange.decision is not None else {},
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

    def set_response(self, response: web.StreamResponse) -> None:
        """Make `response` visible to response-side expressions."""
        self._cache["response"] = ResponseView(response)

    def refresh(self, *names: str) -> None:
        """Forget cached roots that a filter changed (e.g. identity after login)."""
        for name in names:
            self._cache.pop(name, None)
