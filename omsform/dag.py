"""Graph algorithms, the one home for them: dependency layers and heights, reachability, and
the cycles that prevent an order.

A graph is a mapping ``node → nodes it depends on`` (or a function giving them). Every function
is pure and deterministic (sorted iteration), so equal inputs give byte-identical plans and
messages. A cycle that makes an order impossible raises :class:`omsform.errors.PlanError`
naming it (``a → b → a``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Set

from omsform.errors import PlanError


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
                result.append(_pop_component(stack, on_stack, node))
    return result


def _pop_component(stack: list[str], on_stack: set[str], root: str) -> list[str]:
    """Pop the members of ``root``'s component off Tarjan's stack, sorted."""
    component = []
    while True:
        member = stack.pop()
        on_stack.discard(member)
        component.append(member)
        if member == root:
            return sorted(component)


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


def levels(nodes: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Kahn layering of ``nodes`` (name → names it depends on), each level sorted.

    Dependencies on names that are not nodes are ignored (they are not ours to order). A cycle
    raises :class:`PlanError` naming it: ``a → b → a``.
    """
    deps = {node: {d for d in targets if d in nodes} for node, targets in nodes.items()}
    dependents: dict[str, list[str]] = {node: [] for node in deps}
    for node, targets in deps.items():
        for target in targets:
            dependents[target].append(node)
    waiting = {node: len(targets) for node, targets in deps.items()}
    layer = sorted(node for node, count in waiting.items() if count == 0)
    result: list[list[str]] = []
    while layer:
        result.append(layer)
        following: list[str] = []
        for node in layer:
            for dependent in dependents[node]:
                waiting[dependent] -= 1
                if waiting[dependent] == 0:
                    following.append(dependent)
        layer = sorted(following)
    if sum(map(len, result)) < len(deps):
        placed = {node for layer_ in result for node in layer_}
        raise PlanError(f"dependency cycle: {' → '.join(_cycle(deps, placed))}")
    return result


def _cycle(deps: Mapping[str, set[str]], placed: set[str]) -> list[str]:
    """One cycle among the nodes Kahn could not place (each still has an unplaced dependency)."""
    node = min(n for n in deps if n not in placed)
    seen: list[str] = []
    while node not in seen:
        seen.append(node)
        node = min(d for d in deps[node] if d not in placed)
    return [*seen[seen.index(node) :], node]


def level_of(nodes: Mapping[str, Iterable[str]]) -> dict[str, int]:
    """Node → its level index in :func:`levels`."""
    return {node: i for i, layer in enumerate(levels(nodes)) for node in layer}


def heights(starts: Iterable[str], deps: Callable[[str], Iterable[str]]) -> dict[str, int]:
    """The level of each of ``starts`` and of everything they depend on, visiting only that.

    Same numbers as :func:`levels` (0 without dependencies, else one more than the highest
    dependency), for when only a few nodes of a large graph changed. ``deps`` must name only
    nodes. A cycle raises :class:`PlanError` naming it.
    """
    height: dict[str, int] = {}
    for start in starts:
        if start in height:
            continue
        path, best = [start], [0]
        pending: list[Iterator[str]] = [iter(deps(start))]
        while pending:
            following = next(pending[-1], None)
            if following is None:  # every dependency of path[-1] is done
                node, level = path.pop(), best.pop()
                pending.pop()
                height[node] = level
                if best:
                    best[-1] = max(best[-1], level + 1)
            elif following in height:
                best[-1] = max(best[-1], height[following] + 1)
            elif following in path:
                cycle = [*path[path.index(following) :], following]
                raise PlanError(f"dependency cycle: {' → '.join(cycle)}")
            else:
                path.append(following)
                best.append(0)
                pending.append(iter(deps(following)))
    return height


def closure(start: Iterable[str], edges: Mapping[str, Iterable[str]]) -> set[str]:
    """``start`` plus everything reachable from it along ``edges`` (transitively)."""
    found: set[str] = set()
    stack = list(start)
    while stack:
        node = stack.pop()
        if node not in found:
            found.add(node)
            stack.extend(edges.get(node, ()))
    return found


def reverse(edges: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """The same edges pointing the other way (dependency → its dependents)."""
    out: dict[str, list[str]] = {}
    for node, targets in edges.items():
        for target in targets:
            out.setdefault(target, []).append(node)
    return out


def path_between(edges: Mapping[str, Iterable[str]], start: str, target: str) -> list[str]:
    """Nodes from ``start`` to ``target`` along ``edges`` (``[]`` when unreachable), depth
    first in sorted order."""
    stack, seen = [[start]], set()
    while stack:
        path = stack.pop()
        if path[-1] == target:
            return path
        if path[-1] not in seen:
            seen.add(path[-1])
            stack.extend([*path, nxt] for nxt in sorted(edges.get(path[-1], ())))
    return []
