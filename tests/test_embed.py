"""The embedding API: ``omsform.load_brand``, ``omsform.plan_brand``, ``omsform.apply_brand``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import omsform
from omsform.errors import StalePlanError
from omsform.plan.model import Action, Plan

SETTINGS = "oms_setting:\n  IS_TRADEIN_ENABLED: {value: true}\n"


def _brand(tmp_path: Path) -> Path:
    path = tmp_path / "brand"
    path.mkdir()
    shutil.copy(Path("brands/demo/omsform.yaml"), path / "omsform.yaml")
    (path / "settings.yaml").write_text(SETTINGS)
    return path


def test_plan_apply_then_nothing_to_do(tmp_path: Path) -> None:
    brand = omsform.load_brand(_brand(tmp_path), sandbox=True)
    plan = omsform.plan_brand(brand, sandbox=True)
    assert [c.address for c in plan.changes] == ["oms_setting.IS_TRADEIN_ENABLED"]
    report = omsform.apply_brand(brand, plan, sandbox=True)
    assert report.ok and list(report.applied) == ["oms_setting.IS_TRADEIN_ENABLED"]
    assert not omsform.plan_brand(brand, sandbox=True).has_changes
    # the same plan again is refused before any write: the object exists now
    with pytest.raises(StalePlanError):
        omsform.apply_brand(brand, plan, sandbox=True)


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        _ = omsform.nothing_here  # type: ignore[attr-defined]


def test_apply_brand_holds_the_brand_lock(tmp_path: Path) -> None:
    from omsform.apply.lock import BrandLock, LockHeldError

    brand = omsform.load_brand(_brand(tmp_path), sandbox=True)
    plan = omsform.plan_brand(brand, sandbox=True)
    with BrandLock(brand.path / ".omsform", "omsform apply"), pytest.raises(LockHeldError):
        omsform.apply_brand(brand, plan, sandbox=True)
    assert omsform.apply_brand(brand, plan, sandbox=True).ok


def test_a_plan_read_from_a_file_replaces_a_webhook_whose_secret_url_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the key (event, URL with ?token=${secret.…}) is masked in the file: apply_brand must make
    # it real again before checking the plan against the brand, as `omsform apply FILE` does
    monkeypatch.setenv("EMBED_HOOK_TOKEN", "embed-hook-token-7d2e")
    path = _brand(tmp_path)
    hook = "oms_webhook:\n  ready:\n    event_type: package.status.packed\n"
    url = "    target_url: https://erp.example.test/{}?token=${{secret.EMBED_HOOK_TOKEN}}\n"
    (path / "hooks.yaml").write_text(hook + url.format("ready"))
    first = omsform.load_brand(path, sandbox=True)
    assert omsform.apply_brand(first, omsform.plan_brand(first, sandbox=True), sandbox=True).ok
    (path / "hooks.yaml").write_text(hook + url.format("packed"))
    brand = omsform.load_brand(path, sandbox=True)
    text = omsform.plan_brand(brand, sandbox=True).to_json()
    assert "embed-hook-token-7d2e" not in text
    (change,) = Plan.from_json(text).changes
    assert change.action is Action.REPLACE
    report = omsform.apply_brand(brand, Plan.from_json(text), sandbox=True)
    assert report.ok and list(report.applied) == ["oms_webhook.ready"]
    assert not omsform.plan_brand(brand, sandbox=True).has_changes
