"""``omsform graph``: a brand's dependency graph, or a kind's flow, drawn offline."""

from __future__ import annotations

from pathlib import Path

import click

from omsform.cli.failure import fails_cleanly
from omsform.cli.options import brand_arg
from omsform.cli.output import OUT


@click.command()
@brand_arg()
@click.option("--kind", help="Draw the flow this kind defines (oms_transition: package commands).")
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid")
@fails_cleanly
def graph(brand: Path, kind: str | None, fmt: str) -> None:
    """Draw BRAND's dependency graph, or with --kind a kind's flow, offline."""
    from omsform.lang.load import load_brand
    from omsform.plan import graph as graphs

    loaded = load_brand(brand, offline=True, sandbox=True)
    for warning in loaded.warnings:
        OUT.err(str(warning))
    if kind:
        edges = graphs.flow_graph(loaded.desired, kind)
        if not edges:
            OUT.err(f"No {kind} objects are declared: the flow is empty.")
        OUT.out(graphs.render(edges, fmt).rstrip("\n"))
    else:
        edges = graphs.dependency_graph(loaded.desired)
        OUT.out(graphs.render(edges, fmt, nodes=loaded.desired).rstrip("\n"))
