"""``omsform graph``: the dependency graph and the package command flow, as Mermaid and DOT."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from omsform.cli.main import main
from omsform.contract.provider import registry
from omsform.errors import ConfigError
from omsform.lang.load import load_brand
from omsform.plan.graph import dependency_graph, flow_graph, render_dot, render_mermaid

CONFIG = """\
brand: graphs
providers:
  akinon_oms: {url: "https://oms.example.com", token: "${secret.GRAPH_TOKEN}"}
"""
RESOURCES = """\
oms_stock_location:
  wh: {erp_code: WH-1, name: Warehouse, stock_location_type: warehouse}
oms_scenario:
  web:
    default_stock_location: ${oms_stock_location.wh}
oms_webhook:
  ready: {event_type: package.status.packed, target_url: "https://x.example.com/h"}
oms_transition:
  PREPARE: {name: Prepare, source_state: waiting, target_state: preparing,
            command_class: PackageStateTransitionCommand}
  PACK: {name: Pack, source_state: preparing, target_state: packed,
         command_class: CompletePackingCommand}
"""


@pytest.fixture
def brand(tmp_path: Path) -> Path:
    (tmp_path / "omsform.yaml").write_text(CONFIG)
    (tmp_path / "all.yaml").write_text(RESOURCES)
    return tmp_path


def test_dependency_edges_come_from_references(brand: Path) -> None:
    desired = load_brand(brand, offline=True, sandbox=True).desired
    assert dependency_graph(desired) == [("oms_stock_location.wh", "oms_scenario.web", "")]


def test_dependency_edges_include_kind_wide_ones_as_the_planner_orders_by(brand: Path) -> None:
    desired = load_brand(brand, offline=True, sandbox=True).desired
    kinds = dict(registry().kinds)
    # a kind that needs every transition first, as the planner's depends_on_kinds means it
    after = type("AfterTransitions", (kinds["oms_webhook"],), {})
    after.depends_on_kinds = ("oms_transition", "oms_webhook")
    kinds["oms_webhook"] = after
    assert dependency_graph(desired, kinds) == [
        ("oms_stock_location.wh", "oms_scenario.web", ""),
        ("oms_transition.PACK", "oms_webhook.ready", ""),
        ("oms_transition.PREPARE", "oms_webhook.ready", ""),
    ]


def test_mermaid_of_the_dependency_graph_keeps_lonely_objects(brand: Path) -> None:
    desired = load_brand(brand, offline=True, sandbox=True).desired
    text = render_mermaid(dependency_graph(desired), nodes=desired)
    assert text == textwrap.dedent(
        """\
        flowchart LR
            n0["oms_scenario.web"]
            n1["oms_stock_location.wh"]
            n2["oms_transition.PACK"]
            n3["oms_transition.PREPARE"]
            n4["oms_webhook.ready"]
            n1 --> n0
        """
    )


def test_dot_of_the_dependency_graph(brand: Path) -> None:
    desired = load_brand(brand, offline=True, sandbox=True).desired
    text = render_dot(dependency_graph(desired))
    assert text == textwrap.dedent(
        """\
        digraph "omsform" {
            rankdir=LR;
            node [shape=box];
            "oms_scenario.web";
            "oms_stock_location.wh";
            "oms_stock_location.wh" -> "oms_scenario.web";
        }
        """
    )


def test_transition_flow_in_both_formats(brand: Path) -> None:
    desired = load_brand(brand, offline=True, sandbox=True).desired
    edges = flow_graph(desired, "oms_transition")
    assert edges == [("preparing", "packed", "PACK"), ("waiting", "preparing", "PREPARE")]
    assert render_mermaid(edges) == textwrap.dedent(
        """\
        flowchart LR
            n0["packed"]
            n1["preparing"]
            n2["waiting"]
            n1 -->|"PACK"| n0
            n2 -->|"PREPARE"| n1
        """
    )
    assert '"waiting" -> "preparing" [label="PREPARE"];' in render_dot(edges)


def test_labels_with_quotes_are_escaped() -> None:
    edges = [('a "b"', "c\\d", 'say "hi"')]
    assert '-->|"say #quot;hi#quot;"|' in render_mermaid(edges)
    assert '"a \\"b\\"" -> "c\\\\d" [label="say \\"hi\\""];' in render_dot(edges)


def test_flow_of_an_unknown_kind_or_a_kind_without_flow(brand: Path) -> None:
    desired = load_brand(brand, offline=True, sandbox=True).desired
    with pytest.raises(ConfigError) as err:
        flow_graph(desired, "oms_transitions")
    assert "did you mean 'oms_transition'" in str(err.value.problems[0])
    with pytest.raises(ConfigError) as err:
        flow_graph(desired, "oms_webhook")
    assert "oms_transition" in err.value.problems[0].hint


def test_cli_graph_command(brand: Path) -> None:
    runner = CliRunner()
    flow = runner.invoke(main, ["graph", str(brand), "--kind", "oms_transition"])
    assert flow.exit_code == 0, flow.output
    assert flow.output.startswith("flowchart LR\n")
    assert '-->|"PREPARE"|' in flow.output
    dot = runner.invoke(main, ["graph", str(brand), "--format", "dot"])
    assert dot.exit_code == 0, dot.output
    assert '"oms_stock_location.wh" -> "oms_scenario.web";' in dot.output
    bad = runner.invoke(main, ["graph", str(brand), "--kind", "oms_nothing"])
    assert bad.exit_code == 1
    assert "unknown kind 'oms_nothing'" in bad.output
