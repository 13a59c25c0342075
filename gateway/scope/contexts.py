"""`contexts.client`, `contexts.router`, the OpenIG 3.x `exchange` alias, `response` and `request.entity`."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from gateway.http.tls import peer_certificates
from gateway.scope.base import Headers, Lazy, multi


def _extra(request: web.BaseRequest, name: str) -> Any:
    transport = request.transport
    return None if transport is None else transport.get_extra_info(name)


def _port(address: Any) -> int:
    return int(address[1]) if isinstance(address, tuple) and len(address) >= 2 else -1


class _ScopeView(Lazy):
    """A view whose members are read from the request's scope."""

    __slots__ = ("_scope",)

    def __init__(self, scope: Any) -> None:
        self._cache = {}  # Lazy's state, set here: one call fewer per object on the hot path
        self._scope = scope


class ClientView(_ScopeView):
    """`contexts.client`: the connection the request came in on (OpenIG's ClientContext)."""

    __slots__ = ()
    _MAKERS = {
        "remoteAddress": lambda v: v._scope.remote(),
        "remoteHost": lambda v: v._scope.remote(),
        "remotePort": lambda v: _port(_extra(v._scope.request, "peername")),
        "remoteUser": lambda v: None,  # no container login in front of the gateway
        "localAddress": lambda v: (_extra(v._scope.request, "sockname") or (None,))[0],
        "localPort": lambda v: _port(_extra(v._scope.request, "sockname")),
        "userAgent": lambda v: v._scope.request.headers.get("User-Agent"),
        "isSecure": lambda v: _extra(v._scope.request, "ssl_object") is not None,
        "isExternal": lambda v: True,
        # OpenIG's list is never null: leaf first, each with subject, issuer, dates, names and PEM.
        "certificates": lambda v: peer_certificates(_extra(v._scope.request, "ssl_object")),
    }


class RouterView(_ScopeView):
    """`contexts.router`: routes match on conditions, not URI templates, so nothing is consumed."""

    __slots__ = ()
    _MAKERS = {
        "originalUri": lambda v: str(v._scope.request.url),
        "baseUri": lambda v: "",
        "matchedUri": lambda v: "",
        "remainingUri": lambda v: v._scope.request.raw_path.partition("?")[0].lstrip("/"),
        "uriTemplateVariables": lambda v: {},
    }


class ContextsView(_ScopeView):
    """`contexts` (and `context`): client, router, session and attributes."""

    __slots__ = ()
    _MAKERS = {
        "client": lambda v: ClientView(v._scope),
        "router": lambda v: RouterView(v._scope),
        "session": lambda v: {"session": v._scope.get("session")},
        "attributes": lambda v: {"attributes": v._scope.get("attributes")},
        "oauth2": lambda v: v._scope.exchange.oauth2,
    }


def _principal(scope: Any) -> dict[str, Any] | None:
    identity = scope.get("identity")
    return {"name": identity.get("sub")} if identity else None


class ExchangeAlias(_ScopeView):
    """OpenIG 3.x `exchange`: the same objects under their old names."""

    __slots__ = ()
    _MAKERS = {
        "request": lambda v: v._scope.get("request"),
        "response": lambda v: v._scope.get("response"),
        "session": lambda v: v._scope.get("session"),
        "attributes": lambda v: v._scope.get("attributes"),
        "principal": lambda v: _principal(v._scope),
    }


def _status(response: web.StreamResponse) -> dict[str, Any]:
    return {"code": response.status, "reasonPhrase": response.reason, "family": response.status // 100}


class ResponseView(Lazy):
    """`response` in response-side expressions: status, headers, version."""

    __slots__ = ("_response",)
    _MAKERS = {
        "status": lambda v: _status(v._response),
        "headers": lambda v: Headers(v._response.headers),
        "cookies": lambda v: {k: [{"name": k, "value": m.value}] for k, m in v._response.cookies.items()},
        "version": lambda v: "HTTP/1.1",
    }

    def __init__(self, response: web.StreamResponse) -> None:
        super().__init__()
        self._response = response


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:  # not JSON (or not UTF-8): null, as OpenIG's entity.json
        return None


class EntityView(Lazy):
    """`request.entity`: the body read once (bounded) before routing, as text, JSON or a form."""

    __slots__ = ("_body",)
    _MAKERS = {
        "bytes": lambda v: v._body,
        "string": lambda v: v._body.decode("utf-8", "replace"),
        "json": lambda v: _json(v._body),
        "form": lambda v: multi(parse_qsl(v._body.decode("utf-8", "replace"), keep_blank_values=True)),
    }

    def __init__(self, body: bytes) -> None:
        super().__init__()
        self._body = body


def entity_view(exchange: Any) -> EntityView | None:
    """The entity if the body was read for expressions, else null."""
    body = getattr(exchange, "entity", None)
    return EntityView(body) if isinstance(body, bytes) else None
