"""Drift told apart from intent, and drift accepted into the code with ``omsform pull``.

The demo brand (a copy) is applied to the embedded sandbox through the CLI; a person's edit is
made through the sandbox's back-office endpoint (``PATCH /_sandbox/objects/…``) on the same
database, and a pending YAML change is made by editing the copy.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from starlette.testclient import TestClient

from omsform.cli.main import main
from omsform.drift.attribution import digest
from omsform.engine import run as engine
from omsform.plan.model import Change, FieldChange, Plan
from omsform.sandbox import build_app

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {
    "DEMO_OMNITRON_PASSWORD": "canary-omnitron-7f3e",
    "DEMO_MAPS_API_KEY": "canary-maps-1c9d",
    "DEMO_CARRIER_PASSWORD": "canary-carrier-55aa",
    "DEMO_STOCK_PASSWORD": "canary-stock-0b0b",
    "DEMO_WEBHOOK_SECRET": "canary-webhook-9e9e",
    "DEMO_GINESYS_WEBHOOK_SECRET": "canary-ginesys-hook-3d3d",
    "DEMO_GINESYS_API_KEY": "canary-ginesys-key-4c4c",
}
DRIFT_TITLE = "Changed outside omsform"


class Demo:
    """A copy of brands/demo, its embedded sandbox, and the CLI run on both."""

    def __init__(self, tmp: Path) -> None:
        self.path = tmp / "demo"
        shutil.copytree(ROOT / "brands" / "demo", self.path, ignore=shutil.ignore_patterns(".*"))
        self.runner = CliRunner()

    def __call__(self, *args: str) -> Result:
        return self.runner.invoke(
            main, [*args[:1], str(self.path), "--sandbox", *args[1:]], env=SECRETS
        )

    def edit_by_hand(self, collection: str, match: dict[str, Any], body: dict[str, Any]) -> None:
        """Change an object as a person in the back office would (the sandbox's drift edit)."""
        store = engine.open_sandbox_db(self.path / ".omsform" / "sandbox.sqlite")
        try:
            client = TestClient(build_app(store), base_url="http://sandbox")
            rows = client.get(f"/_sandbox/objects/{collection}").json()
            row = next(r for r in rows if all(r[k] == v for k, v in match.items()))
            answer = client.patch(f"/_sandbox/objects/{collection}/{row['id']}", json=body)
            assert answer.status_code == 200, answer.text
        finally:
            store.close()

    def file(self, name: str) -> Path:
        return self.path / name


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    brand = Demo(tmp_path)
    done = brand("apply", "--auto-approve")
    assert done.exit_code == 0, done.output
    yield brand


def _sections(text: str) -> tuple[str, str]:
    """The drift section and the rest of a text plan."""
    assert text.lstrip().startswith(DRIFT_TITLE), text
    drift, planned = text.split("Planned changes:", 1)
    return drift, planned


def test_drift_and_intent_are_told_apart_and_pull_accepts_the_drift(demo: Demo) -> None:
    reasons = demo.file("denial_reasons.yaml")
    # intent: a reviewed YAML change not applied yet; the file also gets a comment to keep
    text = reasons.read_text().replace("priority: 1\n", "priority: 5  # raised in review\n")
    reasons.write_text(text)
    # drift: a person changes another reason's priority, and a nested channel value
    demo.edit_by_hand("package_denial_reasons", {"title": "Damaged product"}, {"priority": 7})
    demo.edit_by_hand("channels", {"name": "acme-web"}, {"configuration": {"order_prefix": "WWW"}})

    first = demo("plan", "--drift-exitcode")
    assert first.exit_code == 4, first.output
    drift, planned = _sections(first.stdout)
    assert "oms_denial_reason.damaged" in drift and "priority: 7 → 2" in drift
    assert "configuration.order_prefix" in drift
    assert "out_of_stock" not in drift  # intent is not drift
    assert "~ oms_denial_reason.out_of_stock\n" in planned  # only drift is tagged
    assert "~ oms_denial_reason.damaged  [drift]" in planned
    assert demo("plan", "--detailed-exitcode").exit_code == 2  # unchanged meaning

    as_json = json.loads(demo("plan", "--format", "json").stdout)
    assert {c["address"] for c in as_json["drift"]} == {
        "oms_denial_reason.damaged",
        "oms_channel.web",
    }
    by_address = {c["address"]: c for c in as_json["changes"]}
    assert by_address["oms_denial_reason.out_of_stock"]["fields"][0]["attribution"] == "intent"
    assert by_address["oms_denial_reason.damaged"]["fields"][0]["attribution"] == "drift"
    markdown = demo("plan", "--format", "markdown").stdout
    assert markdown.index(f"### {DRIFT_TITLE}") < markdown.index("out_of_stock")

    before = reasons.read_text()
    dry = demo("pull", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "-    priority: 2\n+    priority: 7\n" in dry.stdout
    assert reasons.read_text() == before  # a dry run writes nothing

    pulled = demo("pull")
    assert pulled.exit_code == 0, pulled.output
    after = reasons.read_text()
    assert after == before.replace("    priority: 2\n", "    priority: 7\n")  # comments kept
    assert "priority: 5  # raised in review" in after
    assert "configuration: {order_prefix: WWW}" in demo.file("channels.yaml").read_text()

    second = demo("plan", "--drift-exitcode")
    assert second.exit_code == 2, second.output
    assert DRIFT_TITLE not in second.stdout
    assert "out_of_stock" in second.stdout and "damaged" not in second.stdout

    assert demo("apply", "--auto-approve").exit_code == 0
    assert demo("plan", "--drift-exitcode").exit_code == 0
    ledger = demo.file(".omsform/ledger.json").read_text()
    assert not [s for s in SECRETS.values() if s in ledger]


def test_pull_lists_template_values_with_the_live_value_and_exits_3(demo: Demo) -> None:
    demo.edit_by_hand("stock_locations", {"erp_code": "IST-WH"}, {"priority": 99})
    template = demo.file("stock_locations.yaml")
    before = template.read_text()

    pulled = demo("pull")
    assert pulled.exit_code == 3, pulled.output
    assert f"{template}:" in pulled.stdout and "priority = 99 (live)" in pulled.stdout
    assert "template" in pulled.stdout
    assert template.read_text() == before


def test_pull_masks_a_drifted_secret_and_leaves_it(demo: Demo) -> None:
    plan = Plan(
        brand="acme",
        changes=(
            Change(
                address="oms_setting.GEOLOCATION_DISCOVERY",
                kind="oms_setting",
                key="GEOLOCATION_DISCOVERY",
                provider="akinon_oms",
                action="~",
                fields=(
                    FieldChange(
                        path="value.api_key",
                        before="(sensitive)",
                        after="(sensitive)",
                        sensitive=True,
                        attribution="drift",
                    ),
                ),
            ),
        ),
    )
    from omsform.drift.pull import pull
    from omsform.lang.load import load_brand

    brand = load_brand(demo.path, environ=SECRETS, sandbox=True)
    result = pull(plan, brand.desired, lambda name: Path(name).read_text())
    assert not result.texts and not result.pulled
    (left,) = result.left
    assert "(sensitive)" in str(left) and "secret" in left.why
    assert not [s for s in SECRETS.values() if s in str(left)]


def test_plans_without_attribution_serialize_as_before() -> None:
    change = Change(address="a.b", kind="a", key="k", provider="p", action="~")
    plan = Plan(
        brand="x", changes=(change.model_copy(update={"fields": (FieldChange(path="f"),)}),)
    )
    text = plan.to_json()
    assert "attribution" not in text and '"drift"' not in text
    assert Plan.from_json(text) == plan
    drifted = plan.model_copy(
        update={"changes": (change.model_copy(update={"attribution": "drift"}),)}
    )
    assert Plan.from_json(drifted.to_json()) == drifted  # the derived drift list reads back


def test_without_a_ledger_record_a_change_is_unknown_not_drift(demo: Demo) -> None:
    demo.file(".omsform/ledger.json").unlink()  # a fresh clone of a brand never applied from it
    demo.edit_by_hand("package_denial_reasons", {"title": "Damaged product"}, {"priority": 7})

    plan = demo("plan", "--drift-exitcode")
    assert plan.exit_code == 2, plan.output
    assert DRIFT_TITLE not in plan.stdout
    as_json = json.loads(demo("plan", "--format", "json").stdout)
    (change,) = as_json["changes"]
    assert change["attribution"] == "unknown" and "drift" not in as_json


@pytest.mark.parametrize(
    "value",
    ["", 'é中\n"', 0, 1, True, 1.0, "1", -5, 10**30, float("nan"), None, [], {}, {"b": [{}]}],
)
def test_a_field_digest_is_the_sha256_of_its_canonical_json_as_ledgers_record_it(
    value: Any,
) -> None:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for _ in range(2):  # worked out, then remembered (equal values of other types apart)
        assert digest(value) == "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:16]
