"""Compile the parse tree of one `${...}` to a node, resolving names, functions and regexes once."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from typing import Any, cast

from lark import Token, Tree

from gateway.expressions import values as v
from gateway.expressions.errors import ExpressionError
from gateway.expressions.files import FILE_FUNCTIONS, FileFunctionError, call_file_function
from gateway.expressions.functions import FUNCTIONS, METHODS, Function, concat, pattern
from gateway.expressions.grammar import parse
from gateway.expressions.nodes import Const, Node, Path, apply, as_fn
from gateway.expressions.schema import SCHEMA, below
from gateway.expressions.system import Options
from gateway.expressions.values import member, truthy

# Deep enough for any real condition, shallow enough that evaluation stays far from the stack limit.
MAX_DEPTH = 100

_BINARY: Mapping[str, Callable[[Any, Any], Any]] = {
    "eq": v.equals, "ne": v.not_equals, "lt": v.less, "gt": v.greater,
    "le": v.less_equal, "ge": v.greater_equal, "add": v.add, "sub": v.subtract,
    "mul": v.multiply, "div": v.divide, "mod": v.modulo, "cat": concat,
}  # fmt: skip
_UNARY: Mapping[str, Callable[[Any], Any]] = {
    "neg": v.negate, "not_": lambda x: not truthy(x), "empty": v.is_empty,
}  # fmt: skip
_LITERALS: Mapping[str, Any] = {"true": True, "false": False, "null": None}
_EXCHANGE_ALIASES = {"request": "request", "response": "response", "session": "session", "attributes": "attributes"}
_ESCAPE = re.compile(r"\\([\\'\"])")
# re.compile fails on bad patterns with re.error, and on some pathological ones with these.
_REGEX_ERRORS = (re.error, TypeError, ValueError, OverflowError, RecursionError)

Tree_ = Tree[Any]


def compile_body(body: str, offset: int, roots: frozenset[str], options: Options, notes: set[str]) -> Node:
    """Compile the text of one `${...}` at column `offset`; `notes` collects what it needs (e.g. "entity")."""
    tree = parse(body, offset)
    try:
        return _Compiler(roots, offset, options, notes).node(tree, 0)
    except RecursionError:
        raise ExpressionError("expression nested too deeply", offset) from None


class _Compiler:
    def __init__(self, roots: frozenset[str], offset: int, options: Options, notes: set[str]) -> None:
        self.roots, self.offset, self.options, self.notes = roots, offset, options, notes

    def error(self, message: str, at: Tree_ | Token, hint: str = "") -> ExpressionError:
        return ExpressionError(message, self.offset + _position(at), hint)

    def node(self, tree: Tree_, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise self.error("expression nested too deeply", tree)
        rule, kids = str(tree.data), tree.children
        if rule in _BINARY:
            return apply(_BINARY[rule], [self.node(k, depth + 1) for k in kids])
        if rule in _UNARY:
            return apply(_UNARY[rule], [self.node(kids[0], depth + 1)])
        if rule in _LITERALS:
            return Const(_LITERALS[rule])
        return self._RULES[rule](self, tree, depth)

    def _string(self, tree: Tree_, depth: int) -> Node:
        return Const(_ESCAPE.sub(r"\1", _leaf(tree, 0)[1:-1]))

    def _int(self, tree: Tree_, depth: int) -> Node:
        try:
            return Const(int(_leaf(tree, 0)))
        except ValueError:  # beyond Python's limit on digits
            raise self.error("number too long", tree) from None

    def _float(self, tree: Tree_, depth: int) -> Node:
        return Const(float(_leaf(tree, 0)))

    def _root(self, tree: Tree_, depth: int) -> Node:
        name = str(_leaf(tree, 0))
        if name not in self.roots:
            raise self.error(f"unknown name {name!r}", tree, _suggest(name, self.roots))
        if name == "system":  # Java system properties are fixed for the process: known at load time
            return Const(self.options.system)
        return Path("contexts" if name == "context" else name)

    def _member(self, tree: Tree_, depth: int) -> Node:
        return self._access(self.node(tree.children[0], depth + 1), Const(str(_leaf(tree, 1))), tree)

    def _index(self, tree: Tree_, depth: int) -> Node:
        base, key = (self.node(kid, depth + 1) for kid in tree.children)
        return self._access(base, key, tree)

    def _access(self, base: Node, key: Node, tree: Tree_) -> Node:
        if not (isinstance(base, Path) and isinstance(key, Const)):
            return _access(base, key)
        if base.root == "exchange" and not base.keys and key.value in _EXCHANGE_ALIASES:
            return Path(_EXCHANGE_ALIASES[key.value])  # OpenIG 3.x names, resolved once
        node: Any = SCHEMA.get(base.root)
        for step in base.keys:
            node, _ = below(node, step)
        _, allowed = below(node, key.value)
        if not allowed:
            where = ".".join((base.root, *map(str, base.keys)))
            known = node if isinstance(node, Mapping) and node else {}
            hint = _suggest(str(key.value), known) if known else "it has no members"
            raise self.error(f"unknown name {key.value!r} in {where!r}", tree, hint)
        if base.root == "request" and not base.keys and key.value == "entity":
            self.notes.add("entity")  # the body must be read before this expression runs
        return Path(base.root, (*base.keys, key.value))

    def _chain(self, tree: Tree_, depth: int) -> Node:
        # `a && b && c` nests to the left; flatten it so long chains stay shallow and fast.
        operands, rule = [], tree.data
        while isinstance(tree, Tree) and tree.data == rule:
            operands.append(tree.children[1])
            tree = tree.children[0]
        operands.append(tree)
        nodes = [self.node(kid, depth + 1) for kid in reversed(operands)]
        return _logic(nodes, rule == "and_")

    def _cond(self, tree: Tree_, depth: int) -> Node:
        test, then, otherwise = (self.node(kid, depth + 1) for kid in tree.children)
        if isinstance(test, Const):
            return then if truthy(test.value) else otherwise
        t, a, b = as_fn(test), as_fn(then), as_fn(otherwise)
        return lambda scope: a(scope) if truthy(t(scope)) else b(scope)

    def _call(self, tree: Tree_, depth: int) -> Node:
        name, args = _leaf(tree, 0), _args(tree.children[1:])
        function = FUNCTIONS.get(str(name))
        if function is None:
            raise self.error(f"unknown function {str(name)!r}", name, _suggest(name, FUNCTIONS))
        if name in FILE_FUNCTIONS:
            return self._file_call(str(name), args, depth, tree)
        return self._invoke(function, name, args, depth, 0)

    def _file_call(self, name: str, args: list[Tree_], depth: int, tree: Tree_) -> Node:
        nodes = [self.node(arg, depth + 1) for arg in args]
        if not all(isinstance(node, Const) for node in nodes):
            raise self.error(f"{name}() runs when the route loads: its argument cannot depend on the request", tree)
        try:
            return Const(call_file_function(name, [n.value for n in nodes if isinstance(n, Const)], self.options.base))
        except FileFunctionError as exc:
            raise self.error(str(exc), tree) from None

    def _method(self, tree: Tree_, depth: int) -> Node:
        receiver, name, args = tree.children[0], _leaf(tree, 1), _args(tree.children[2:])
        target = METHODS.get(str(name))
        if target is None:
            raise self.error(f"unknown method {str(name)!r}", name, _suggest(name, METHODS))
        return self._invoke(FUNCTIONS[target], name, [receiver, *args], depth, 1)

    def _invoke(self, function: Function, name: Token, args: list[Tree_], depth: int, bound: int) -> Node:
        """Check the arity, compile the arguments and precompile a literal regex."""
        low, high, count = function.min_args - bound, function.max_args - bound, len(args) - bound
        if not low <= count <= high:
            arity = f"{low}" if low == high else f"{low} to {high}"
            raise self.error(f"{name}() takes {arity} argument(s), got {count}", name)
        nodes = [self.node(arg, depth + 1) for arg in args]
        index = function.regex
        if index is not None and index < len(nodes):
            nodes[index] = regex = self._regex(nodes[index], args[index])
            if function.bind and len(nodes) == 2 and isinstance(regex, Const):
                return apply(function.bind(regex.value), nodes[:1])
        return apply(function.call, nodes)

    def _regex(self, node: Node, tree: Tree_) -> Node:
        if not isinstance(node, Const):
            return node
        try:
            return Const(pattern(node.value))
        except _REGEX_ERRORS as exc:
            raise self.error("invalid regular expression", tree, str(exc)) from None

    _RULES: Mapping[str, Callable[[_Compiler, Tree_, int], Node]] = {
        "string": _string, "int": _int, "float": _float, "root": _root, "member": _member,
        "index": _index, "and_": _chain, "or_": _chain, "cond": _cond, "call": _call,
        "method": _method,
    }  # fmt: skip


def _access(base: Node, key: Node) -> Node:
    if isinstance(base, Path) and isinstance(key, Const):
        return Path(base.root, (*base.keys, key.value))
    return apply(member, [base, key])


def _logic(nodes: list[Node], conjunction: bool) -> Node:
    if all(isinstance(node, Const) for node in nodes):
        results = (truthy(node.value) for node in nodes if isinstance(node, Const))
        return Const(all(results) if conjunction else any(results))
    fns = [as_fn(node) for node in nodes]
    if len(fns) == 2:
        a, b = fns
        if conjunction:
            return lambda scope: truthy(a(scope)) and truthy(b(scope))
        return lambda scope: truthy(a(scope)) or truthy(b(scope))
    if conjunction:
        return lambda scope: all(truthy(fn(scope)) for fn in fns)
    return lambda scope: any(truthy(fn(scope)) for fn in fns)


def _leaf(tree: Tree_, index: int) -> Token:
    return cast(Token, tree.children[index])


def _args(kids: list[Any]) -> list[Tree_]:
    return list(kids[0].children) if kids else []


def _position(at: Tree_ | Token) -> int:
    if isinstance(at, Token):
        return at.start_pos or 0
    return 0 if at.meta.empty else int(at.meta.start_pos)


def _suggest(name: str, known: Mapping[str, Any] | frozenset[str]) -> str:
    names = sorted(known)
    near = difflib.get_close_matches(str(name), names, n=1)
    guess = f"did you mean {near[0]!r}? " if near else ""
    return f"{guess}known: {', '.join(names)}"
