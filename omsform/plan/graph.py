"""Graphs of a brand for ``omsform graph``: the dependency graph and a kind's flow.

- :func:`dependency_graph`: the edges plan and apply order changes by (references between
  declared objects and kind-wide ``depends_on_kinds``), drawn from the object needed to the
  object that needs it (the order apply creates them in).
- :func:`flow_graph`: the edges a kind defines through ``Resource.flow_edges`` (for
  ``oms_transition``, the package command flow: state → state, labelled with the command).
- :func:`render_mermaid` and :func:`render_dot` draw either as text, deterministically (same
  brand, same bytes). Objects without any edge are still drawn when passed as ``nodes``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from omsform.contract.provider import registry
from omsform.contract.resource import Resource
from omsform.contract.spec import Desired
from omsform.errors import ConfigError, Location, Problem
from omsform.lang.suggest import did_you_mean

Edge = tuple[str, str, str]
"""``(from, to, label)``; an empty label draws a plain arrow."""


def dependency_graph(
    desired: Mapping[str, Desired[Any]],
    kinds: Mapping[str, type[Resource[Any]]] | None = None,
) -> list[Edge]:
    """``(dependency, dependent, "")`` for every edge the planner orders changes by: each
    reference between declared objects, and from every declared object of a kind in
    ``depends_on_kinds`` (e.g. setup steps) to each object of the depending kind. ``kinds``
    defaults to every installed provider's kinds."""
    known = kinds if kinds is not None else _installed_kinds()
    by_kind: dict[str, list[str]] = {}
    for address, d in desired.items():
        by_kind.setdefault(d.kind, []).append(address)
    edges = {
        (target, address, "")
        for address, d in desired.items()
        for target in d.depends_on
        if target in desired
    }
    for kind, addresses in by_kind.items():
        resource = known.get(kind)
        for needed in resource.depends_on_kinds if resource else ():
            if needed != kind:
                edges.update((t, a, "") for t in by_kind.get(needed, ()) for a in addresses)
    return sorted(edges)


def flow_graph(
    desired: Mapping[str, Desired[Any]],
    kind: str,
    kinds: Mapping[str, type[Resource[Any]]] | None = None,
) -> list[Edge]:
    """The flow ``kind`` defines over its declared objects; ``ConfigError`` for an unknown kind
    or one that defines no flow. ``kinds`` defaults to every installed provider's kinds."""
    known = kinds if kinds is not None else _installed_kinds()
    resource = known.get(kind)
    if resource is None:
        hint = did_you_mean(kind, known)
        raise ConfigError([Problem(Location(), f"unknown kind '{kind}'", hint)])
    if not _has_flow(resource):
        flows = sorted(k for k, r in known.items() if _has_flow(r))
        hint = f"kinds with a flow: {', '.join(flows)}" if flows else ""
        raise ConfigError([Problem(Location(), f"{kind} defines no flow to draw", hint)])
    mine = {a: d for a, d in desired.items() if d.kind == kind}
    return sorted(resource.flow_edges(mine))


def _installed_kinds() -> dict[str, type[Resource[Any]]]:
    return dict(registry().kinds)


def _has_flow(resource: type[Resource[Any]]) -> bool:
    base = Resource.flow_edges.__func__  # type: ignore[attr-defined]
    return getattr(resource.flow_edges, "__func__", None) is not base


def _nodes(edges: Iterable[Edge], nodes: Iterable[str]) -> list[str]:
    """Every node once, sorted: the given ones and both ends of each edge."""
    return sorted({*nodes, *(e[0] for e in edges), *(e[1] for e in edges)})


# --- Mermaid -------------------------------------------------------------------------------------
def _mermaid_text(text: str) -> str:
    # Mermaid has no backslash escapes inside quotes; entity codes are its documented way
    return text.replace("&", "#amp;").replace('"', "#quot;")


def render_mermaid(edges: Iterable[Edge], nodes: Iterable[str] = ()) -> str:
    """A Mermaid ``flowchart LR`` of ``edges`` (node ids ``n0``, ``n1``… keep any name safe)."""
    edges = sorted(edges)
    ids = {name: f"n{i}" for i, name in enumerate(_nodes(edges, nodes))}
    lines = ["flowchart LR"]
    lines += [f'    {ids[name]}["{_mermaid_text(name)}"]' for name in ids]
    for source, target, label in edges:
        arrow = f'-->|"{_mermaid_text(label)}"|' if label else "-->"
        lines.append(f"    {ids[source]} {arrow} {ids[target]}")
    return "\n".join(lines) + "\n"


# --- Graphviz DOT --------------------------------------------------------------------------------
def _dot_text(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def render_dot(edges: Iterable[Edge], nodes: Iterable[str] = (), name: str = "omsform") -> str:
    """A Graphviz ``digraph`` of ``edges``, left to right."""
    edges = sorted(edges)
    lines = [f"digraph {_dot_text(name)} {{", "    rankdir=LR;", "    node [shape=box];"]
    lines += [f"    {_dot_text(node)};" for node in _nodes(edges, nodes)]
    for source, target, label in edges:
        attrs = f" [label={_dot_text(label)}]" if label else ""
        lines.append(f"    {_dot_text(source)} -> {_dot_text(target)}{attrs};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(edges: Iterable[Edge], fmt: str, nodes: Iterable[str] = ()) -> str:
    """``edges`` in ``fmt`` (``mermaid`` or ``dot``)."""
    if fmt == "mermaid":
        return render_mermaid(edges, nodes)
    if fmt == "dot":
        return render_dot(edges, nodes)
    raise ValueError(f"unknown graph format {fmt!r}: use mermaid or dot")
