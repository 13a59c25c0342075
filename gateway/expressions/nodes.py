"""Compiled nodes: constants, root paths and closures over the scope, and how to combine them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

from gateway.expressions.values import DIRECT_GET, member

Scope: TypeAlias = Mapping[str, Any]
Fn: TypeAlias = Callable[[Scope], Any]


class Const:
    """A value known at compile time."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class Path:
    """A root followed by constant keys (`request.headers['Host']`), walked in one closure."""

    __slots__ = ("keys", "root")

    def __init__(self, root: str, keys: tuple[Any, ...] = ()) -> None:
        self.root, self.keys = root, keys


Node: TypeAlias = Const | Path | Fn


def as_fn(node: Node) -> Fn:
    """The closure that evaluates a node."""
    if isinstance(node, Const):
        value = node.value
        return lambda scope: value
    if isinstance(node, Path):
        return _walk(node.root, node.keys)
    return node


def _walk(root: str, keys: tuple[Any, ...]) -> Fn:
    if not keys:
        return lambda scope: scope.get(root)
    direct = DIRECT_GET
    if len(keys) == 1:
        key = keys[0]

        def walk1(scope: Scope) -> Any:
            value: Any = scope.get(root)
            return value.get(key) if type(value) in direct else member(value, key)

        return walk1

    def walk(scope: Scope) -> Any:
        value: Any = scope.get(root)
        for key in keys:
            value = value.get(key) if type(value) in direct else member(value, key)
        return value

    return walk


def fold(call: Callable[..., Any], nodes: list[Node]) -> Node | None:
    if not all(isinstance(node, Const) for node in nodes):
        return None
    try:
        return Const(call(*(node.value for node in nodes if isinstance(node, Const))))
    except Exception:  # an error is left for evaluation time, where it yields null
        return None


def apply(call: Callable[..., Any], nodes: list[Node]) -> Node:
    """A call of `call` on the nodes' values, folded when they are all constant."""
    folded = fold(call, nodes)
    if folded is not None:
        return folded
    fns = [as_fn(node) for node in nodes]
    if len(fns) == 1:
        a = fns[0]
        return lambda scope: call(a(scope))
    if len(fns) == 2:
        a, last = fns[0], nodes[1]
        if isinstance(last, Const):  # `path == 'GET'`, `matches(path, '^/api')`: the hot shapes
            b_value = last.value
            return lambda scope: call(a(scope), b_value)
        b = fns[1]
        return lambda scope: call(a(scope), b(scope))
    return lambda scope: call(*[fn(scope) for fn in fns])
