"""``omsform docs [KIND]``: print a kind's reference page (or the list of kinds), or write
every page into a directory. The pages come from :mod:`omsform.guide.docs`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click


def register(group: click.Group, out: Any, fails_cleanly: Callable[[Any], Any]) -> None:
    """Add ``omsform docs`` to ``group``; ``out`` prints."""

    @group.command("docs")
    @click.argument("kind", required=False)
    @click.option(
        "--write",
        "directory",
        type=click.Path(file_okay=False, path_type=Path),
        help="Write every page (and an index) into DIRECTORY instead of printing.",
    )
    @fails_cleanly
    def docs(kind: str | None, directory: Path | None) -> None:
        """The reference of KIND (fields, key, references, what is immutable or write-only,
        documented versus proposed API, an example), or the list of kinds."""
        from omsform.guide.docs import index_page, kind_page, write_pages

        if directory is not None:
            paths = write_pages(directory)
            out.err(f"Wrote {len(paths)} pages into {directory}.")
            sys.exit(0)
        click.echo(kind_page(kind) if kind else index_page(), nl=False)
