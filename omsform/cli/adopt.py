"""Adoption commands (``import``, ``fmt``, ``schema``), registered onto the main group.

These print through the CLI's redacting printer (``out``) and exit through ``sys.exit`` like
every other command; the work itself lives in :mod:`omsform.adopt.importer`,
:mod:`omsform.adopt.source`, :mod:`omsform.adopt.fmt` and :mod:`omsform.lang.schema`.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from omsform.adopt import fmt as formatting
from omsform.adopt import importer
from omsform.adopt import source as importsource
from omsform.apply.saved import check_output, write_output
from omsform.engine import loop
from omsform.errors import ConfigError, Location, Problem
from omsform.http.client import ClientOptions
from omsform.lang.config import CONFIG_FILE
from omsform.lang.load import load_brand
from omsform.lang.schema import schema_text

SHOWN_KEYS = 5


def register(group: click.Group, out: Any, fails_cleanly: Callable[[Any], Any]) -> None:
    """Add this module's commands to ``group``; ``out`` prints (redacted).

    Long because click declares each command (``import``, ``fmt``, ``schema``), its options
    and its body as one decorated closure over ``out``."""

    @group.command("import")
    @click.option(
        "--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path)
    )
    @click.option("--kinds", default="", help="Only these kinds (comma-separated).")
    @click.option("--sandbox", is_flag=True, help="Read the embedded sandbox (see --config).")
    @click.option(
        "--config",
        type=click.Path(exists=True, path_type=Path),
        help="An existing omsform.yaml (or its brand directory) to take the providers from.",
    )
    @click.option("--brand", "brand_name", help="Brand name (default: --config's, else DIR's).")
    @click.option(
        "--include-upstream",
        is_flag=True,
        help="Also import objects copied from an upstream system (stores from Omnitron).",
    )
    @click.option("--insecure", is_flag=True, help="Allow plain http:// and skip TLS checks.")
    @click.option("-v", "--verbose", is_flag=True, help="Log every HTTP request (redacted).")
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "json"]),
        default="text",
        help="json: what was written and left out, as one document on stdout.",
    )
    @fails_cleanly
    def import_(
        out_dir: Path,
        kinds: str,
        sandbox: bool,
        config: Path | None,
        brand_name: str | None,
        include_upstream: bool,
        insecure: bool,
        verbose: bool,
        fmt: str,
    ) -> None:
        """Read the live systems and write a brand directory (DIR) that plans to no change."""
        _refuse_overwrite(out_dir)
        source = importsource.resolve_source(out_dir, config, sandbox, brand_name, os.environ)
        out.secrets = source.secrets
        _announce(out, source, insecure, fmt)
        wanted = importsource.kinds_of(source, [k.strip() for k in kinds.split(",") if k.strip()])
        options = _client_options(source, insecure, out.err if verbose else None)
        current = loop.run(importsource.read_source(source, wanted, options))
        from omsform.contract.provider import registry

        classes = {k: cls for k, cls in registry().kinds.items() if k in wanted}
        built = importer.build_files(
            current,
            classes,
            brand=source.brand,
            include_upstream=include_upstream,
            known_secrets=source.named_secrets,
        )
        _write(out_dir, source, built)
        if source.sandbox_dir is not None:
            note = importsource.copy_sandbox(source.sandbox_dir, out_dir)
            if note:
                out.err(note[0].upper() + note[1:] + ".")
        _check_written(out_dir)
        if fmt == "json":
            out.out(_summary_json(out_dir, source, built))
        else:
            _summary(out, out_dir, source, built)

    @group.command("fmt")
    @click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
    @click.option("--check", is_flag=True, help="Change nothing; exit 1 if any file would change.")
    @fails_cleanly
    def fmt(paths: tuple[Path, ...], check: bool) -> None:
        """Canonical key order, quoting and indentation of brand YAML (comments kept).

        PATHS are brand directories or files in them (default: the current directory); files
        outside a brand directory (no omsform.yaml beside them) are left alone.
        """
        report = formatting.format_files(_fmt_targets(paths or (Path("."),)), check=check)
        for path, why in report.skips():
            out.err(f"skipped {path}: {why}")
        for path, why in report.failed:
            out.err(f"cannot format {path}: {why}")
        verb = "would reformat" if check else "reformatted"
        for path in report.changed:
            out.out(f"{verb} {path}")
        out.out(report.summary(check))
        sys.exit(1 if report.fails(check) else 0)

    @group.command("schema")
    @click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
    @fails_cleanly
    def schema(output: Path | None) -> None:
        """JSON Schema of omsform.yaml and the resource files, for editor completion."""
        if output is not None:
            check_output(output)
        text = schema_text()
        if output is None:
            click.echo(text, nl=False)
        else:
            write_output(output, text)
            out.err(f"Wrote {output}.")


# --- import helpers ------------------------------------------------------------------------------
def _refuse_overwrite(out_dir: Path) -> None:
    existing = sorted(p.name for p in out_dir.glob("*.yaml")) if out_dir.is_dir() else []
    if existing:
        message = f"{out_dir} already has YAML files ({', '.join(existing[:3])}…)"
        hint = "import into a new or empty directory, then compare"
        raise ConfigError([Problem(Location(str(out_dir)), message, hint)])


def _announce(out: Any, source: Any, insecure: bool, fmt: str) -> None:
    """Say where ``import`` reads from, which providers it skips, and warn about --insecure."""
    if source.sandbox_dir is not None:
        db = source.sandbox_dir / ".omsform" / "sandbox.sqlite"
        say = out.err if fmt == "json" else out.out
        say(f"Using the embedded sandbox ({db}), not the providers' URLs.")
    for name, why in sorted(source.skipped_providers.items()):
        out.err(f"Skipped provider {name}: {why}.")
    if insecure:
        out.err("Warning: --insecure: TLS certificates are not checked and http:// is allowed.")


def _client_options(
    source: importsource.Source, insecure: bool, log: Callable[[str], None] | None
) -> ClientOptions:
    transport = None
    if source.sandbox_dir is not None:
        from omsform.engine import run as engine

        transport = engine.sandbox_transport(source.sandbox_dir)
    return ClientOptions(
        transport=transport, insecure=insecure, debug_log=log, secrets=source.secrets
    )


def _write(out_dir: Path, source: importsource.Source, built: importer.Imported) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    providers = {k: v for k, v in sorted(source.blocks.items())}
    config = importer.config_file(
        source.brand, providers, protect=source.protect, safety=source.safety
    )
    (out_dir / "omsform.yaml").write_text(config, encoding="utf-8")
    for name, text in built.files.items():
        (out_dir / name).write_text(text, encoding="utf-8")
    (out_dir / importer.SCHEMA_FILE).write_text(schema_text(), encoding="utf-8")
    ignore = out_dir / ".gitignore"
    if not ignore.exists():
        ignore.write_text(
            ".omsform/sandbox.sqlite*\n.omsform/journal.jsonl\n.omsform/ledger.pending.jsonl\n"
            ".omsform/lock\n",
            encoding="utf-8",
        )


def _check_written(out_dir: Path) -> None:
    """The written brand must validate; anything else is an omsform bug worth reporting."""
    try:
        load_brand(out_dir, offline=True, sandbox=True)
    except ConfigError as err:
        err.problems.append(
            Problem(Location(str(out_dir)), "the imported brand does not validate: please report")
        )
        raise


def _summary(
    out: Any, out_dir: Path, source: importsource.Source, built: importer.Imported
) -> None:
    total = sum(built.counts.values())
    out.out(f"Imported {total} objects of {len(built.counts)} kinds into {out_dir}:")
    out.out("  omsform.yaml")
    for kind, count in sorted(built.counts.items()):
        out.out(f"  {kind}.yaml ({count})")
    groups: dict[tuple[str, str], list[str]] = {}
    for item in built.skipped:
        groups.setdefault((item.kind, item.reason), []).append(item.key)
    if groups:
        out.out("Left out:")
    for (kind, reason), keys in sorted(groups.items()):
        shown = ", ".join(keys[:SHOWN_KEYS]) + (
            f", … ({len(keys)} in all)" if len(keys) > SHOWN_KEYS else ""
        )
        out.out(f"  {kind}: {shown}: {reason}")
    env = _env_needed(source, built)
    if env:
        out.out("Set these environment variables before plan and apply:")
        for line in importer.env_lines(env):
            out.out(line)
    sandbox = " --sandbox" if source.sandbox_dir is not None else ""
    out.out(f"Next: omsform plan {out_dir}{sandbox} (it should show no changes).")


def _env_needed(source: importsource.Source, built: importer.Imported) -> list[importer.EnvVar]:
    firsts: dict[str, importer.EnvVar] = {}
    for var in [*source.env, *built.env]:
        firsts.setdefault(var.name, var)  # a provider's token may also be in a webhook URL
    return list(firsts.values())


def _summary_json(out_dir: Path, source: importsource.Source, built: importer.Imported) -> str:
    """``import --format json``: ``written`` (file, kind, objects), ``skipped`` (kind, key,
    reason), ``skipped_providers`` (provider, reason), ``env`` (name, secret, purpose) and the
    ``next`` command."""
    sandbox = " --sandbox" if source.sandbox_dir is not None else ""
    doc = {
        "out_dir": str(out_dir),
        "brand": source.brand,
        "written": [{"file": "omsform.yaml", "kind": None, "objects": 0}]
        + [
            {"file": f"{kind}.yaml", "kind": kind, "objects": count}
            for kind, count in sorted(built.counts.items())
        ],
        "skipped": [
            {"kind": item.kind, "key": item.key, "reason": item.reason} for item in built.skipped
        ],
        "skipped_providers": [
            {"provider": name, "reason": why}
            for name, why in sorted(source.skipped_providers.items())
        ],
        "env": [
            {"name": v.name, "secret": v.secret, "purpose": v.purpose}
            for v in _env_needed(source, built)
        ],
        "next": f"omsform plan {out_dir}{sandbox}",
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)


def _fmt_targets(paths: tuple[Path, ...]) -> list[Path]:
    """Files to format: a brand directory's YAML files; for a directory that is not a brand, the
    brands directly inside it (``brands/``); files only when a brand's ``omsform.yaml`` is
    beside them (pre-commit passes every changed YAML file of the repository)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            brands = [path] if (path / CONFIG_FILE).is_file() else _brands_in(path)
            if not brands:
                problem = Problem(Location(str(path)), f"no brand directory ({CONFIG_FILE}) here")
                raise ConfigError([problem])
            files += [f for brand in brands for f in formatting.brand_files(brand)]
        elif path.suffix == ".yaml" and (path.parent / CONFIG_FILE).is_file():
            files.append(path)
    return list(dict.fromkeys(files))


def _brands_in(path: Path) -> list[Path]:
    return sorted(
        p.parent for p in path.glob(f"*/{CONFIG_FILE}") if not p.parent.name.startswith(".")
    )
