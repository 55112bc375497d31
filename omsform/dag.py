"""Dependency order of declared resources, and the cycles that prevent one."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Set


def components(edges: Mapping[str, Set[str]]) -> list[list[str]]:
    """Strongly connected components, dependencies before dependants (Tarjan, iterative).

    ``edges[a]`` holds what ``a`` depends on. Within the result, every component comes after
    all components it depends on, so resolving in this order meets every target first.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    result: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
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
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                result.append(sorted(component))
    return result


def is_cycle(component: list[str], edges: Mapping[str, Set[str]]) -> bool:
    """True when the component is a cycle (several members, or one that depends on itself)."""
    return len(component) > 1 or component[0] in edges.get(component[0], ())


def cycle_path(component: list[str], edges: Mapping[str, Set[str]]) -> list[str]:
    """A shortest cycle through the component's first member: ``[a, b, a]``."""
    start = component[0]
    members = set(component)
    previous: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in sorted(edges.get(node, ())):
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [*reversed(path), start]
            if child in members and child not in previous:
                previous[child] = node
                queue.append(child)
    return [start, start]  # pragma: no cover - a component is strongly connected
