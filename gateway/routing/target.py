"""A route whose ClientHandler could never know where to send is a load error, not a 500 per request.

Read from the route's JSON once: the ClientHandlers it uses (inline, by the default name, or by the
name of one of its heap objects), and whether anything in it can name an upstream (an absolute `uri`
of a StaticRequestFilter, a `baseURI` of a DispatchHandler binding, or an expression that may give one).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

_CLIENT = "ClientHandler"
_TARGET_KEYS = ("uri", "baseURI")


def untargeted_clients(heap: list[Any], handler: Any) -> list[str]:
    """JSON paths of the ClientHandlers of a route with no baseURI, if nothing in it names an upstream."""
    route = {"heap": heap, "handler": handler}
    if any(_names_upstream(node) for _, node in _walk(route, "$")):
        return []
    declared = {str(d.get("name")): d.get("type") for d in heap if isinstance(d, dict)}
    clients = {name for name, kind in declared.items() if kind == _CLIENT}
    if declared.get(_CLIENT, _CLIENT) == _CLIENT:
        clients.add(_CLIENT)
    found = (path for path, node in _walk(route, "$") if _is_client(node, clients))
    return [path for path in found if not path.endswith((".type", ".name"))]


def _walk(node: Any, path: str) -> Iterator[tuple[str, Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _walk(item, f"{path}[{index}]")


def _names_upstream(node: Any) -> bool:
    if not isinstance(node, dict):
        return False
    values = (node.get(key) for key in _TARGET_KEYS)
    return any(isinstance(v, str) and ("://" in v or "${" in v) for v in values)


def _is_client(node: Any, clients: set[str]) -> bool:
    if isinstance(node, dict):
        return node.get("type") == _CLIENT
    return isinstance(node, str) and node in clients
