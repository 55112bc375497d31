"""A partial load (``plan --changed-since``) must select, and hold for every kind it compares,
exactly what a full load does: the demo brand with each resource file changed in turn, the
files read told from their text."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from omsform.engine import since
from omsform.lang.load import Brand, load_brand
from omsform.lang.partial import only_kinds, scan_text
from omsform.plan.select import may_need

DEMO = Path(__file__).resolve().parents[2] / "brands" / "demo"
KNOWN = {"oms_webhook", "oms_channel", "oms_scenario", "oms_stock_location"}


def test_a_file_text_tells_its_kinds_and_the_kinds_it_names() -> None:
    scan = scan_text("oms_scenario:\n  a:\n    channels: ['${oms_channel.web}']\n", KNOWN)
    assert (scan.kinds, scan.mentions) == ({"oms_scenario"}, {"oms_channel"})
    assert scan_text("{{ kind }}:\n  a: {}\n", KNOWN).kinds is None
    # Jinja or a YAML escape may make a ${…} the text does not show: cannot be told
    assert scan_text("oms_webhook:\n  a: {url: '{{ u }}'}\n", KNOWN).mentions is None
    assert scan_text('oms_webhook:\n  a: {url: "\\x24{oms_channel.web}"}\n', KNOWN).mentions is None
    assert scan_text("oms_webhook:\n  a: {key: '${secret.K}'}\n", KNOWN).secrets == {"K"}


def test_kinds_that_may_need_a_changed_kind_are_read() -> None:
    from omsform.contract.provider import registry

    resources = {k: c for p in registry().providers.values() for k, c in p.kinds().items()}
    found = may_need(resources, {}, {"oms_stock_location"})
    assert "oms_scenario" in found  # its spec names stock locations
    assert "oms_webhook" not in found
    assert "oms_webhook" in may_need(resources, {"oms_webhook": None}, {"oms_stock_location"})
    assert may_need(resources, {}, set()) == set()


def _repo(tmp_path: Path) -> Path:
    brand = tmp_path / "demo"
    shutil.copytree(DEMO, brand, ignore=shutil.ignore_patterns(".omsform"))
    return _repo_of(brand)


def _repo_of(brand: Path) -> Path:
    """``brand`` made a git repository with everything in its one commit."""
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "base"]):
        identity = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
        subprocess.run(["git", *identity, *args], cwd=brand, check=True, capture_output=True)
    return brand


def _load(brand: Path, kinds: object = None) -> Brand:
    return load_brand(brand, offline=True, sandbox=True, kinds=kinds)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(p.name for p in DEMO.glob("*.yaml")))
def test_a_partial_load_selects_and_holds_what_a_full_load_does(tmp_path: Path, name: str) -> None:
    brand = _repo(tmp_path)
    with (brand / name).open("a") as file:
        file.write("\n# touched\n")
    full = _load(brand)
    expected = since.select_changed(full, "HEAD")
    part, got = since.load_changed(brand, "HEAD", lambda kinds: _load(brand, kinds))
    assert (got.changed, got.compared, got.left_out, got.why_full) == (
        expected.changed,
        expected.compared,
        expected.left_out,
        expected.why_full,
    )
    if expected.compared is None:
        assert not part.partial
        return
    compared = {a: d for a, d in full.desired.items() if d.kind in expected.compared}
    assert {a: d for a, d in part.desired.items() if d.kind in expected.compared} == compared
    assert part.digest == full.digest_without(expected.left_out) == expected.digest
    assert since.every_kind(part) == since.every_kind(full)


def test_a_deleted_file_or_an_emptied_kind_still_counts(tmp_path: Path) -> None:
    brand = _repo(tmp_path)
    (brand / "webhooks.yaml").unlink()
    (brand / "cargo.yaml").write_text("oms_cargo_integration: {}\n")
    part, got = since.load_changed(brand, "HEAD", lambda kinds: _load(brand, kinds))
    assert {"oms_webhook", "oms_cargo_integration"} <= got.changed
    expected = since.select_changed(_load(brand), "HEAD")
    assert (got.changed, got.compared, got.left_out) == (
        expected.changed,
        expected.compared,
        expected.left_out,
    )
    assert part.partial and "webhooks.yaml" not in got.unread


def test_the_kinds_a_class_says_its_hooks_name_are_all_they_name() -> None:
    from omsform.contract.provider import registry
    from omsform.plan.select import named_by_hooks, static_needs

    resources = {k: c for p in registry().providers.values() for k, c in p.kinds().items()}
    brand = _load(DEMO)
    for kind, cls in resources.items():
        needs = static_needs(cls)
        if needs is None:
            continue
        objects = [d for d in brand.desired.values() if d.kind == kind]
        named = named_by_hooks(objects, resources)
        named |= {k for d in objects for k, _ in cls.references(d.spec)}
        assert named <= needs | {kind}, kind


@pytest.mark.parametrize("changed", ["cargo.yaml", "webhooks.yaml", "denial_reasons.yaml"])
def test_a_file_of_several_kinds_is_built_only_for_the_kinds_needed(
    tmp_path: Path, changed: str
) -> None:
    # webhooks and denial reasons in one file (as a pull request's new.yaml would hold them)
    brand = tmp_path / "demo"
    shutil.copytree(DEMO, brand, ignore=shutil.ignore_patterns(".omsform"))
    parts = [(brand / n).read_text() for n in ("webhooks.yaml", "denial_reasons.yaml")]
    (brand / "mixed.yaml").write_text("\n".join(parts))
    for name in ("webhooks.yaml", "denial_reasons.yaml"):
        (brand / name).unlink()
    brand = _repo_of(brand)
    target = brand / ("mixed.yaml" if changed != "cargo.yaml" else changed)
    with target.open("a") as file:
        file.write("\n# touched\n")
    full = _load(brand)
    expected = since.select_changed(full, "HEAD")
    part, got = since.load_changed(brand, "HEAD", lambda kinds: _load(brand, kinds))
    assert (got.changed, got.compared, got.left_out) == (
        expected.changed,
        expected.compared,
        expected.left_out,
    )
    assert expected.compared is not None
    loaded_kinds = {d.kind for d in part.desired.values()}
    compared = {a: d for a, d in full.desired.items() if d.kind in expected.compared}
    assert {a: d for a, d in part.desired.items() if d.kind in expected.compared} == compared
    assert part.digest == full.digest_without(expected.left_out) == expected.digest
    assert since.every_kind(part) == since.every_kind(full)
    if changed == "cargo.yaml":  # the mixed file is not needed at all
        assert not loaded_kinds & {"oms_webhook", "oms_denial_reason"}
        assert "mixed.yaml" in part.unread


def test_a_mixed_file_read_for_one_kind_builds_none_of_the_others(tmp_path: Path) -> None:
    brand = tmp_path / "demo"
    shutil.copytree(DEMO, brand, ignore=shutil.ignore_patterns(".omsform"))
    parts = [(brand / n).read_text() for n in ("webhooks.yaml", "denial_reasons.yaml")]
    (brand / "mixed.yaml").write_text("\n".join(parts))
    for name in ("webhooks.yaml", "denial_reasons.yaml"):
        (brand / name).unlink()
    part = _load(brand, ["oms_denial_reason"])
    assert {d.kind for d in part.desired.values()} == {"oms_denial_reason"}
    assert part.unread["mixed.yaml"] == {"oms_webhook"}  # left out of a file that was read
    assert part.partial


def test_blocks_of_other_kinds_are_blanked_and_every_line_keeps_its_number() -> None:
    text = "# head\noms_webhook:\n  a: {}\n# mid\noms_channel: {}\noms_scenario:\n  b: {}\n"
    part, left_out = only_kinds(text, {"oms_webhook", "oms_scenario"})
    assert left_out == {"oms_channel"}
    assert part.splitlines() == [
        "# head",
        "oms_webhook:",
        "  a: {}",
        "# mid",
        "",
        "oms_scenario:",
        "  b: {}",
    ]
    # a top level that is not plain keys is left whole
    assert only_kinds("---\noms_channel: {}\n", {"oms_webhook"}) == (
        "---\noms_channel: {}\n",
        frozenset(),
    )


def test_an_alias_into_a_block_left_out_parses_the_whole_file(tmp_path: Path) -> None:
    brand = tmp_path / "demo"
    shutil.copytree(DEMO, brand, ignore=shutil.ignore_patterns(".omsform"))
    webhooks = (brand / "webhooks.yaml").read_text().replace("max_retries: 5", "max_retries: &n 5")
    reasons = "oms_denial_reason:\n  out_of_stock:\n    title: Out of stock\n    priority: *n\n"
    (brand / "mixed.yaml").write_text(webhooks + reasons)
    (brand / "webhooks.yaml").unlink()
    (brand / "denial_reasons.yaml").unlink()
    full = _load(brand)
    part = _load(brand, ["oms_denial_reason"])
    reasons_of = {a: d for a, d in full.desired.items() if d.kind == "oms_denial_reason"}
    assert reasons_of and reasons_of["oms_denial_reason.out_of_stock"].spec.priority == 5
    assert {a: d for a, d in part.desired.items() if d.kind == "oms_denial_reason"} == reasons_of
    assert part.unread["mixed.yaml"] == {"oms_webhook"}  # parsed whole, built in part
