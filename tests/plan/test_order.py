"""Dependency levels, change order, and --target/--exclude selection."""

from __future__ import annotations

import pytest

from omsform.dag import closure, heights, levels
from omsform.errors import PlanError
from omsform.plan.model import Action, Change
from omsform.plan.order import order_changes, select


def test_levels_put_dependencies_first_and_sort_within_a_level() -> None:
    nodes = {
        "t.ship": ["s.web"],
        "s.web": ["l.ist", "l.ank"],
        "l.ist": [],
        "l.ank": [],
        "w.hook": [],
    }
    assert levels(nodes) == [["l.ank", "l.ist", "w.hook"], ["s.web"], ["t.ship"]]


def test_dependencies_on_unknown_names_are_ignored() -> None:
    assert levels({"a": ["outside"], "b": ["a"]}) == [["a"], ["b"]]


def test_a_cycle_is_an_error_naming_it() -> None:
    with pytest.raises(PlanError, match="dependency cycle: a → b → c → a"):
        levels({"a": ["b"], "b": ["c"], "c": ["a"], "d": []})


def test_a_self_reference_is_a_cycle() -> None:
    with pytest.raises(PlanError, match="dependency cycle: a → a"):
        levels({"a": ["a"]})


def test_closure_follows_edges_transitively() -> None:
    assert closure(["a"], {"a": ["b"], "b": ["c"], "x": ["a"]}) == {"a", "b", "c"}


def _change(address: str, action: Action, depends_on: tuple[str, ...] = ()) -> Change:
    kind, _, key = address.partition(".")
    return Change(
        address=address, kind=kind, key=key, provider="p", action=action, depends_on=depends_on
    )


def test_deletes_come_after_creates_and_bottom_up_by_kind() -> None:
    changes = [
        _change("loc.gone", Action.DELETE),
        _change("scn.gone", Action.DELETE),
        _change("scn.web", Action.CREATE),
        _change("loc.new", Action.CREATE),
    ]
    deps = {"scn.web": ["loc.new"], "loc.new": []}
    ordered = order_changes(changes, lambda a: deps.get(a, []), {"scn": ["loc"], "loc": []})
    assert [(c.address, c.level, c.depends_on) for c in ordered] == [
        ("loc.new", 0, ()),
        ("scn.web", 1, ("loc.new",)),
        ("scn.gone", 2, ()),
        ("loc.gone", 3, ("scn.gone",)),
    ]


def test_levels_are_renumbered_without_gaps() -> None:
    changes = [_change("c.x", Action.UPDATE)]
    graph = {"a.a": [], "b.b": ["a.a"], "c.x": ["b.b"]}
    ordered = order_changes(changes, lambda a: graph.get(a, []), {})
    assert ordered[0].level == 0


CHAIN = [
    _change("a.one", Action.CREATE),
    _change("b.two", Action.CREATE, ("a.one",)),
    _change("c.three", Action.CREATE, ("b.two",)),
    _change("d.other", Action.UPDATE),
]


def test_a_target_keeps_what_it_depends_on() -> None:
    kept, dropped = select(CHAIN, {}, ["b.*"], [])
    assert [c.address for c in kept] == ["a.one", "b.two"] and dropped == []


def test_an_exclude_drops_its_dependents_and_names_them() -> None:
    kept, dropped = select(CHAIN, {}, [], ["a.one"])
    assert [c.address for c in kept] == ["d.other"]
    assert dropped == ["b.two", "c.three"]


def test_globs_match_any_of_the_names_given_for_an_address() -> None:
    kept, _ = select(CHAIN, {"d.other": ("d.other", "d.KEY-1")}, ["d.KEY-*"], [])
    assert [c.address for c in kept] == ["d.other"]


def test_heights_match_levels_and_visit_only_what_is_reachable() -> None:
    graph = {"t.ship": ["s.web"], "s.web": ["l.ist", "l.ank"], "l.ist": [], "l.ank": [], "x.y": []}
    visited: list[str] = []

    def deps(node: str) -> list[str]:
        visited.append(node)
        return graph[node]

    assert heights(["t.ship"], deps) == {"t.ship": 2, "s.web": 1, "l.ist": 0, "l.ank": 0}
    assert "x.y" not in visited
    by_levels = {n: i for i, layer in enumerate(levels(graph)) for n in layer}
    assert heights(list(graph), graph.__getitem__) == by_levels


def test_heights_name_a_cycle() -> None:
    graph = {"a": ["b"], "b": ["c"], "c": ["a"]}
    with pytest.raises(PlanError, match="dependency cycle: a → b → c → a"):
        heights(["a"], graph.__getitem__)
