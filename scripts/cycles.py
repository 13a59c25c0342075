"""List the import cycles between modules of a package (default: gateway); exit 1 if there is any.

Uses grimp, the graph builder import-linter runs on, so both see the same imports (including
those under `if TYPE_CHECKING:`, which still tie the modules together for a reader).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import grimp


def import_map(package: str) -> dict[str, set[str]]:
    """Each module of `package` and the modules of `package` it imports directly."""
    graph = grimp.build_graph(package)
    return {m: set(graph.find_modules_directly_imported_by(m)) & graph.modules for m in graph.modules}


def strongly_connected(edges: dict[str, set[str]]) -> Iterator[list[str]]:
    """Tarjan's algorithm, iterative: the groups of modules that reach each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1 or node in edges[node]:
                    yield sorted(group)


def one_cycle(group: list[str], edges: dict[str, set[str]]) -> list[str]:
    """A shortest path from the group's first module back to itself, for the report."""
    start, members = group[0], set(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(edges[node] & members):
                if child == start:
                    return [*paths[node], start]
                if child not in paths:
                    paths[child] = [*paths[node], child]
                    following.append(child)
        frontier = following
    return group


def main(argv: list[str]) -> int:
    """Print every cycle group with one example cycle; the exit status is 1 if any."""
    package = argv[1] if len(argv) > 1 else "gateway"
    edges = import_map(package)
    groups = list(strongly_connected(edges))
    for group in groups:
        print(f"cycle among {len(group)} modules: {', '.join(group)}")
        print("  e.g. " + " -> ".join(one_cycle(group, edges)))
    print(f"{len(groups)} import cycle(s) in {package}")
    return 1 if groups else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
