"""``omsform init [DIR]``: start a brand directory.

It writes ``omsform.yaml`` (every installed provider's block with ``${env.…}``/``${secret.…}``
placeholders, commented), ``vars.yaml``, a ``.gitignore`` that keeps the sandbox and the journal
out of git but not ``.omsform/ledger.json``, ``omsform.schema.json`` for editors, and one
commented example file per kind family (the examples of ``omsform docs``: uncomment and edit).
The new brand validates and plans to no change as written. ``--from-sandbox`` and
``--from-live`` hand over to ``omsform import`` instead of writing examples.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from omsform.errors import ConfigError, Location, Problem
from omsform.guide.docs import all_kinds
from omsform.lang.config import CONFIG_FILE, VARS_FILE

SCHEMA_FILE = "omsform.schema.json"
MODELINE = f"# yaml-language-server: $schema={SCHEMA_FILE}\n"
GITIGNORE = """\
# omsform's state: commit .omsform/ledger.json (fingerprints of write-only values and the last
# address of each object, never a secret); keep the rest out of git.
.omsform/sandbox.sqlite*
.omsform/journal.jsonl
.omsform/ledger.pending.jsonl
.omsform/*.lock
"""
EXAMPLE_MARK = "# Example (remove the leading '# ' of the lines below to use it):\n"
FAMILY_TITLES = {
    "setup": "Basic Setup: the copy jobs that bring addresses, stores and channels from Omnitron.",
    "settings": "OMS application settings.",
    "stock_locations": "Warehouses (and stores, which the stock_locations setup step copies in).",
    "stock_integration": "The product stock integration: where OMS asks for stock.",
    "channels": "Sales channels, copied in by the channels setup step (a few fields are managed).",
    "scenarios": "Distribution and transfer scenarios: which locations fulfil which orders.",
    "package_flow": "Package commands (state transitions) and denial reasons.",
    "webhooks": "Webhook subscriptions: events OMS posts to your systems.",
    "cargo": "Cargo (shipping) integrations.",
    "ginesys": "The Ginesys ERP side: the Connected Apps > OMS app.",
}
_NAME = re.compile(r"[^A-Za-z0-9]+")


def env_prefix(brand: str) -> str:
    """``acme-tr`` → ``ACME_TR``: the prefix of the brand's variable names."""
    return _NAME.sub("_", brand).strip("_").upper() or "BRAND"


def config_text(brand: str) -> str:
    """``omsform.yaml`` for a new brand, with every installed provider's block."""
    p = env_prefix(brand)
    return f"""{MODELINE}# The brand: providers (URL and credentials), what omsform owns, safety.
# Values come from the environment: ${{env.NAME}} for plain values, ${{secret.NAME}} for secrets
# (masked everywhere). `omsform docs` describes every kind; `omsform schema` every field.
# A brand used only with --sandbox needs no url (a block may be just `akinon_oms: {{}}`); plan
# and apply against the live systems need it.
brand: {brand}
providers:
  akinon_oms:
    url: ${{env.{p}_OMS_URL}}            # e.g. https://{brand}-omnitron.akinon.net
    token: ${{secret.{p}_OMS_TOKEN}}     # sent as "Authorization: Token <token>"
    # or, instead of token (omsform logs in once per run):
    # username: ${{env.{p}_OMS_USERNAME}}
    # password: ${{secret.{p}_OMS_PASSWORD}}
  ginesys:                               # only if the brand declares ginesys_oms_app
    url: ${{env.{p}_GINESYS_URL}}
    api_key: ${{secret.{p}_GINESYS_ADMIN_KEY}}
manage:
  prune: []      # kinds whose undeclared remote objects are deleted, e.g. [oms_webhook]
  protect: []    # address globs never deleted or replaced, e.g. ["oms_stock_location.*"]
safety:
  max_change_fraction: 0.3   # refuse plans changing more of a kind (--force overrides)…
  min_existing: 10           # …when the kind has at least this many objects
"""


VARS_TEXT = """\
# Template variables, available in resource files as `vars` (they are rendered with Jinja2):
#   warehouses:
#     - {code: IST-WH, name: Istanbul Warehouse, priority: 10}
# and in a resource file:
#   {% for wh in vars.warehouses %} … {{ wh.code }} … {% endfor %}
{}
"""


def example_files(brand: str) -> dict[str, str]:
    """File name → a commented example file per kind family (from the providers' docs)."""
    families: dict[str, list[tuple[str, str]]] = {}
    for kind, (_, _, notes) in all_kinds().items():
        if notes is not None and notes.example:
            families.setdefault(notes.family, []).append((kind, notes.example))
    prefix = env_prefix(brand)
    files = {}
    for family, examples in families.items():
        kinds = ", ".join(kind for kind, _ in examples)
        title = FAMILY_TITLES.get(family, f"Kinds: {kinds}.")
        head = f"{MODELINE}# {title}\n# Reference: " + ", ".join(
            f"`omsform docs {kind}`" for kind, _ in examples
        )
        body = "".join(_commented(text.replace("ACME_", f"{prefix}_")) for _, text in examples)
        files[f"{family}.yaml"] = f"{head}\n\n{EXAMPLE_MARK}{body}"
    return files


def _commented(text: str) -> str:
    return "".join(f"# {line}".rstrip() + "\n" for line in text.rstrip().splitlines())


def uncommented(text: str) -> str:
    """An example file with its example turned on (what a user does by hand; for tests)."""
    head, _, body = text.partition(EXAMPLE_MARK)
    return head + "".join(
        line[2:] if line.startswith("# ") else line.removeprefix("#")
        for line in body.splitlines(keepends=True)
    )


def write_brand(directory: Path, brand: str) -> list[str]:
    """Write a new brand into ``directory`` (refused when it already has YAML files)."""
    _refuse_existing(directory)
    from omsform.lang.schema import schema_text

    files = {
        CONFIG_FILE: config_text(brand),
        VARS_FILE: VARS_TEXT,
        **example_files(brand),
        SCHEMA_FILE: schema_text(),
    }
    directory.mkdir(parents=True, exist_ok=True)
    _write_gitignore(directory)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return [".gitignore", *files]


def _write_gitignore(directory: Path) -> None:
    path = directory / ".gitignore"
    if not path.exists():
        path.write_text(GITIGNORE, encoding="utf-8")


def _refuse_existing(directory: Path) -> None:
    existing = sorted(p.name for p in directory.glob("*.yaml")) if directory.is_dir() else []
    if existing:
        message = f"{directory} already has YAML files ({', '.join(existing[:3])})"
        hint = "init a new or empty directory"
        raise ConfigError([Problem(Location(str(directory)), message, hint)])


def register(group: click.Group, out: Any, fails_cleanly: Callable[[Any], Any]) -> None:
    """Add ``omsform init`` to ``group``; ``out`` prints.

    Long because click declares the command, its options and its body as one decorated
    closure over ``out``."""

    @group.command("init")
    @click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
    @click.option("--brand", "brand_name", help="Brand name (default: DIRECTORY's name).")
    @click.option(
        "--from-sandbox",
        is_flag=True,
        help="Import the embedded sandbox (DIRECTORY/.omsform) instead of writing examples.",
    )
    @click.option(
        "--from-live",
        is_flag=True,
        help="Import the live systems (OMSFORM_<PROVIDER>_<FIELD> variables, or --config).",
    )
    @click.option(
        "--config",
        type=click.Path(exists=True, path_type=Path),
        help="With --from-live/--from-sandbox: an omsform.yaml to take the providers from.",
    )
    @click.pass_context
    @fails_cleanly
    def init(
        ctx: click.Context,
        directory: Path,
        brand_name: str | None,
        from_sandbox: bool,
        from_live: bool,
        config: Path | None,
    ) -> None:
        """Start a brand in DIRECTORY (default: here): omsform.yaml, vars.yaml, .gitignore and
        one commented example file per kind family; or import one (--from-sandbox/--from-live).
        """
        brand = brand_name or directory.resolve().name
        if from_sandbox and from_live:
            problem = Problem(Location(), "--from-sandbox and --from-live exclude each other")
            raise ConfigError([problem])
        if from_sandbox or from_live:
            _refuse_existing(directory)
            had_ignore = (directory / ".gitignore").exists()
            command = group.commands["import"]
            args = {"brand_name": brand, "sandbox": from_sandbox, "config": config}
            ctx.invoke(command, out_dir=directory, **args)
            if not had_ignore:  # import's own .gitignore, with the commented explanation
                (directory / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
            return
        written = write_brand(directory, brand)
        out.out(f"Created brand {brand!r} in {directory}:")
        for name in written:
            out.out(f"  {name}")
        out.out(
            "Next: uncomment the examples you want (`omsform docs KIND` explains each kind), then"
        )
        out.out(f"  omsform validate {directory}")
        out.out(f"  omsform plan {directory} --sandbox     # try it against the embedded sandbox")
