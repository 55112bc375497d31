"""``omsform validate``: check a brand offline; exit 0 valid, 1 invalid."""

from __future__ import annotations

import dataclasses
import functools
import sys
from collections.abc import Iterable
from pathlib import Path

import click

from omsform.cli.failure import fails_cleanly
from omsform.cli.options import brand_arg
from omsform.cli.output import OUT
from omsform.errors import ConfigError, Problem


@click.command()
@brand_arg()
@click.option(
    "--strict",
    is_flag=True,
    help="Treat every warning as an error (undocumented event types and command classes too).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    help="json: the problems (file, line, column, code, message, hint) as one document.",
)
@fails_cleanly
def validate(brand: Path, strict: bool, fmt: str) -> None:
    """Check BRAND offline (secrets are placeholders); exit 0 valid, 1 invalid."""
    from omsform.lang.load import load_brand

    _skip_final_collection()
    if fmt == "json":
        _validate_json(brand, strict)
        return
    loaded = load_brand(brand, offline=True, sandbox=True)
    if strict and loaded.warnings:
        raise ConfigError(_as_errors(loaded.warnings))
    for warning in loaded.warnings:
        OUT.err(str(warning))
    kinds = {d.kind for d in loaded.desired.values()}
    OUT.out(f"Valid: {len(loaded.desired)} resources in {len(kinds)} kinds ({brand}).")


@functools.cache
def _skip_final_collection() -> None:
    """At exit, leave every object to the end of the process instead of one last cyclic
    garbage collection over them all: after loading a large brand that pass costs more than
    the rest of the exit (nothing validate makes needs finalising)."""
    import atexit
    import gc

    atexit.register(gc.freeze)


def _as_errors(warnings: Iterable[Problem]) -> list[Problem]:
    """``--strict``: every warning as an error."""
    return [dataclasses.replace(w, severity="error") for w in warnings]


def _validate_json(brand: Path, strict: bool) -> None:
    """``validate --format json``: one JSON document on stdout, exit 1 when invalid."""
    from omsform.lang.load import load_brand
    from omsform.lang.problemjson import validation_json

    try:
        loaded = load_brand(brand, offline=True, sandbox=True)
    except ConfigError as exc:
        OUT.out(validation_json(str(brand), exc.problems))
        sys.exit(1)
    if strict and loaded.warnings:
        OUT.out(validation_json(str(brand), _as_errors(loaded.warnings)))
        sys.exit(1)
    kinds = {d.kind for d in loaded.desired.values()}
    counts = {"resources": len(loaded.desired), "kinds": len(kinds)}
    OUT.out(validation_json(str(brand), loaded.warnings, **counts))
