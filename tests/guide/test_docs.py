"""``omsform docs`` and the field reference in ``omsform schema``: every field is described
with an example, each kind has a page naming what a user must know, and ``docs/kinds/`` is the
generator's current output."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner
from omsform_akinon_oms import api
from omsform_akinon_oms.sandbox import omnitron, stock_integration, transitions

from omsform.cli.main import main
from omsform.guide import docs
from omsform.lang.schema import brand_schema

ROOT = Path(__file__).resolve().parents[2]
KINDS_DIR = ROOT / "docs" / "kinds"
GENERATED_KEYS = {"ResourceFile", "Interpolation"}  # kinds and the ${…} form, not fields


def _fields(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{model}.{name}": prop
        for model, definition in schema["$defs"].items()
        if model not in GENERATED_KEYS
        for name, prop in definition.get("properties", {}).items()
    }


def test_every_field_of_the_schema_has_a_description_and_an_example() -> None:
    fields = _fields(brand_schema())
    assert len(fields) > 100  # every kind's fields, nested models and config blocks
    undescribed = sorted(name for name, prop in fields.items() if not prop.get("description"))
    no_example = sorted(name for name, prop in fields.items() if not prop.get("examples"))
    assert undescribed == []
    assert no_example == []


def test_every_kind_in_the_schema_has_a_description() -> None:
    files = brand_schema()["$defs"]["ResourceFile"]["properties"]
    assert all(prop.get("description") for prop in files.values())


def _docs(*args: str) -> Any:
    return CliRunner().invoke(main, ["docs", *args], catch_exceptions=False)


def test_cargo_page_names_the_credential_keys_and_the_demo_and_real_rules() -> None:
    result = _docs("oms_cargo_integration")
    assert result.exit_code == 0, result.output
    page = result.stdout
    for key in api.CARGO_CREDENTIAL_KEYS:
        assert f"`{key}`" in page
    assert "A demo client: `is_demo_client: true`" in page
    assert "A real carrier managed by OMS" in page and "needs at least one credential" in page
    assert "| `erp_code` | text | required |" in page  # the field table
    assert "## Example" in page and "${secret.ACME_CARRIER_PASSWORD}" in page
    assert "paths and body shape [P]" in page  # from api.py's tags


def test_pages_list_what_the_sandbox_seeds_from_its_own_seed_data() -> None:
    transition = _docs("oms_transition").stdout
    for name, value in transitions.PACKAGE_STATES:
        assert f"({name}, enum value {value})" in transition
    assert "`waiting_cargo_label`" in transition and "`ShipThePackageCommand`" in transition
    channel = _docs("oms_channel").stdout
    for seeded in omnitron._DEMO_CHANNELS:
        assert f"`{seeded['name']}`" in channel
    engines = _docs("oms_stock_integration").stdout
    for engine in stock_integration.ENGINES:
        assert f"`{engine['value']}`: {engine['label']}" in engines


def test_a_page_says_what_is_immutable_write_only_and_referenced() -> None:
    app = _docs("ginesys_oms_app").stdout
    assert "(a manual change)" in app and "`webhook_secret`" in app.split("## Write-only")[1]
    scenario = _docs("oms_scenario").stdout
    assert "| References: `default_stock_location` | oms_stock_location" in scenario
    assert "### Rule" in scenario and "### Conditions" in scenario  # nested models
    assert "`type` (a change is a replace)" in scenario


def test_docs_without_a_kind_lists_every_kind_and_an_unknown_kind_is_an_error() -> None:
    index = _docs()
    assert index.exit_code == 0
    assert "[`oms_webhook`](oms_webhook.md)" in index.stdout
    wrong = _docs("oms_cargo")
    assert wrong.exit_code == 1
    assert "unknown kind 'oms_cargo'" in wrong.stderr and "oms_cargo_integration" in wrong.stderr


def test_docs_kinds_are_current() -> None:
    """Regenerate with `omsform docs --write docs/kinds` (or `make docs`)."""
    wanted = docs.pages()
    present = {p.name: p.read_text(encoding="utf-8") for p in KINDS_DIR.glob("*.md")}
    stale = sorted(n for n in wanted.keys() | present.keys() if wanted.get(n) != present.get(n))
    assert stale == [], "docs/kinds is stale: run `omsform docs --write docs/kinds`"


def test_docs_write_writes_every_page_and_removes_old_ones(tmp_path: Path) -> None:
    (tmp_path / "oms_gone.md").write_text("old")
    result = _docs("--write", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(docs.pages())
