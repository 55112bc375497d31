"""``omsform pull``: write the live values of drifted fields into the brand's YAML
(:mod:`omsform.drift.pull`), and record them in the ledger as the values now declared."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from omsform.engine import loop
from omsform.errors import OmsformError


def register(main: click.Group, out: Any, fails_cleanly: Callable[[Any], Any]) -> None:
    """Add ``pull`` to the command group."""

    @main.command("pull")
    @click.argument("brand", default=".", type=click.Path(file_okay=False, path_type=Path))
    @click.option("--target", "targets", multiple=True, help="Only addresses matching GLOB.")
    @click.option("--dry-run", is_flag=True, help="Print a unified diff; write nothing.")
    @click.option("--sandbox", is_flag=True, help="Use the embedded sandbox in BRAND/.omsform.")
    @click.option("--insecure", is_flag=True, help="Allow plain http:// and skip TLS checks.")
    @click.option("-v", "--verbose", is_flag=True, help="Log every HTTP request (redacted).")
    @fails_cleanly
    def pull_command(brand: Path, targets: tuple[str, ...], dry_run: bool, **opts: Any) -> None:
        """Accept drift: write the live values of fields changed outside omsform into BRAND's
        YAML (comments, key order and quoting kept). Values from templates, references,
        ${env…} or ${secret…} are listed for a person to change: exit 3 when any are left."""
        sys.exit(loop.run(_pull(brand, targets, dry_run, opts, out)))


async def _pull(
    brand: Path, targets: tuple[str, ...], dry_run: bool, opts: dict[str, Any], out: Any
) -> int:
    from omsform.apply.ledger import Ledger
    from omsform.cli.running import announce, load_for_run, planned
    from omsform.drift import attribution
    from omsform.drift.pull import pull
    from omsform.engine.run import STATE_DIR

    loaded = load_for_run(brand, opts["sandbox"])
    announce(loaded, opts["sandbox"])
    options = {
        **opts,
        "targets": targets,
        "excludes": (),
        "refresh_secrets": False,
        "force": True,
    }
    async with planned(loaded, options, ".", check_safety=False) as (made, current, session):
        result = pull(made, loaded.desired, _reader)
        digests = attribution.pulled_digests(
            made, result.pulled, loaded.desired, current, session.resources()
        )
    if dry_run:
        out.out(result.diff() or "Nothing to pull.")
    else:
        for name, (_, new) in result.texts.items():
            _write(Path(name), new)
        ledger = Ledger.load(loaded.path / STATE_DIR / "ledger.json", loaded.secrets)
        for address, fields in digests.items():
            ledger.accept(address, fields)
        ledger.save()
    return _report(result, dry_run, out)


def _report(result: Any, dry_run: bool, out: Any) -> int:
    """Say what was (or would be) pulled and what is left for a person; the exit code."""
    verb = "Would pull" if dry_run else "Pulled"
    if result.pulled:
        out.out(f"{verb} {len(result.pulled)} live value(s) into the YAML:")
        for p in result.pulled:
            out.out(
                f"  {p.file}:{p.line}: {p.address}.{p.path}: {_json(p.before)} → {_json(p.after)}"
            )
    if result.left:
        out.out(f"Left for a person to change ({len(result.left)}):")
        for left in result.left:
            out.out(f"  {left}")
        return 3
    if not result.pulled:
        out.out("No drift to pull: nothing changed outside omsform.")
    return 0


def _json(value: Any) -> str:
    from omsform.plan.render import format_value

    return format_value(value)


def _reader(name: str) -> str:
    try:
        return Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise OmsformError(f"{name}: cannot read the file ({exc})") from None


def _write(path: Path, text: str) -> None:
    """Replace ``path`` atomically, keeping its permissions."""
    tmp = path.with_name(f".{path.name}.pull")
    tmp.write_text(text, encoding="utf-8")
    tmp.chmod(path.stat().st_mode & 0o7777)
    tmp.replace(path)
