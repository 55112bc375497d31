"""``omsform fmt``: canonical order and quoting, comments kept, values never changed, Jinja files
skipped, ``--check`` lists what would change."""

from __future__ import annotations

import textwrap
from pathlib import Path

from click.testing import CliRunner, Result

from omsform.adopt.fmt import (
    ANCHOR_REASON,
    brand_files,
    format_files,
    format_text,
    load_like_omsform,
    resources_shape,
)
from omsform.cli.main import main

CONFIG = "brand: acme\n"
MESSY = textwrap.dedent(
    """\
    # Warehouses (a comment at the top of the file)
    oms_stock_location:
      ist_wh:
        # the priority decides who ships first
        priority: 10      # lower first
        tags: ["warehouse", "istanbul"]

        name: "Istanbul Warehouse"
        erp_code: "10"
        stock_location_type: warehouse
        is_active: yes
        email: "null"
        # the address comes from the addresses step
        address:
            title: Main
            line: "Some street 1"
    """
)


def fmt_cli(*args: str) -> Result:
    return CliRunner().invoke(main, ["fmt", *args])


def brand(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "omsform.yaml").write_text(CONFIG)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def test_fields_follow_the_spec_order_and_comments_travel_with_them() -> None:
    out = format_text(MESSY, resources_shape())
    lines = [line.strip() for line in out.splitlines()]
    keys = [line.split(":")[0] for line in lines if line and not line.startswith("#")]
    assert keys[2:8] == [
        "erp_code",
        "name",
        "stock_location_type",
        "is_active",
        "priority",
        "address",
    ]
    assert keys[8:10] == ["line", "title"]  # nested models too
    position = {text: i for i, text in enumerate(lines)}
    assert (
        position["# the priority decides who ships first"] + 1
        == position["priority: 10      # lower first"]
    )
    assert position["# the address comes from the addresses step"] + 1 == position["address:"]
    for comment in [line for line in MESSY.splitlines() if "#" in line]:
        assert out.count(comment.split("#", 1)[1].strip()) == 1  # none lost, none doubled


def test_values_are_unchanged_and_quoted_only_where_needed() -> None:
    out = format_text(MESSY, resources_shape())
    assert load_like_omsform(out) == load_like_omsform(MESSY)
    assert "name: Istanbul Warehouse" in out
    assert "erp_code: '10'" in out  # a string that looks like a number stays a string
    assert "email: 'null'" in out
    assert "is_active: true" in out  # YAML 1.1 `yes` is the boolean omsform reads
    assert "tags: [warehouse, istanbul]" in out


def test_formatting_is_idempotent() -> None:
    once = format_text(MESSY, resources_shape())
    assert format_text(once, resources_shape()) == once


def test_check_lists_files_that_would_change_and_changes_nothing(tmp_path: Path) -> None:
    root = brand(tmp_path, {"stores.yaml": MESSY})
    result = fmt_cli("--check", str(root))
    assert result.exit_code == 1
    assert f"would reformat {root / 'stores.yaml'}" in result.stdout
    assert (root / "stores.yaml").read_text() == MESSY
    fixed = fmt_cli(str(root))
    assert fixed.exit_code == 0 and "reformatted" in fixed.stdout
    again = fmt_cli("--check", str(root))
    assert again.exit_code == 0, again.output


def test_jinja_files_are_skipped_and_left_alone(tmp_path: Path) -> None:
    template = (
        "oms_stock_location:\n{% for c in vars.codes %}\n"
        '  {{ c }}: {erp_code: "{{ c }}"}\n{% endfor %}\n'
    )
    root = brand(tmp_path, {"stores.yaml": template})
    result = fmt_cli(str(root))
    assert result.exit_code == 0
    assert "skipped" in result.stderr and "Jinja" in result.stderr
    assert (root / "stores.yaml").read_text() == template


def test_files_outside_a_brand_are_not_touched(tmp_path: Path) -> None:
    other = tmp_path / "ci.yaml"
    other.write_text('on: {push: {branches: ["main"]}}\n')
    result = fmt_cli("--check", str(other))
    assert result.exit_code == 0
    assert other.read_text() == 'on: {push: {branches: ["main"]}}\n'


def test_a_directory_of_brands_formats_each_brand(tmp_path: Path) -> None:
    brand(tmp_path / "a" if (tmp_path / "a").mkdir() is None else tmp_path, {"s.yaml": MESSY})
    result = fmt_cli("--check", str(tmp_path))
    assert result.exit_code == 1 and "a/s.yaml" in result.stdout
    empty = tmp_path / "empty"
    empty.mkdir()
    assert fmt_cli(str(empty)).exit_code == 1  # says there is no brand there


def test_invalid_yaml_is_reported_not_rewritten(tmp_path: Path) -> None:
    root = brand(tmp_path, {"bad.yaml": "oms_stock_location: [\n"})
    result = fmt_cli(str(root))
    assert result.exit_code == 1
    assert "cannot format" in result.stderr
    assert (root / "bad.yaml").read_text() == "oms_stock_location: [\n"


PRE_COMMIT = (
    "repos:\n- repo: https://example.com/omsform\n  rev: 'abc'\n"
    "  hooks: [{id: omsform-fmt-check}]\n"
)


def test_files_pre_commit_passes_that_are_not_brand_files_are_passed_over(tmp_path: Path) -> None:
    root = brand(tmp_path, {".pre-commit-config.yaml": PRE_COMMIT})
    (root / ".github").mkdir()
    (root / ".github" / "ci.yaml").write_text(PRE_COMMIT)
    given = [str(root / ".pre-commit-config.yaml"), str(root / ".github" / "ci.yaml")]
    for args in (["--check", *given], given):
        result = fmt_cli(*args)
        assert result.exit_code == 0, result.output
        assert "pre-commit" not in result.output and "ci.yaml" not in result.output
        assert "0 file(s)" in result.stdout and "0 already formatted" in result.stdout
    assert (root / ".pre-commit-config.yaml").read_text() == PRE_COMMIT
    assert format_files([root / ".pre-commit-config.yaml"], check=True).checked == 0


ANCHORS = textwrap.dedent(
    """\
    oms_stock_location:
      ist_wh: &base
        name: Istanbul
        erp_code: "10"
        stock_location_type: warehouse
      ank_wh:
        <<: *base
        erp_code: "11"
        name: Ankara
    """
)


def test_files_with_anchors_are_skipped_with_the_reason_in_both_modes(tmp_path: Path) -> None:
    root = brand(tmp_path, {"stores.yaml": ANCHORS})
    for check in (True, False):
        report = format_files(brand_files(root), check=check)
        assert report.skips() == [(root / "stores.yaml", ANCHOR_REASON)]
        assert not report.fails(check) and not report.changed
        assert "1 skipped" in report.summary(check) and "1 already formatted" in report.summary(
            check
        )
    for args in (["--check", str(root)], [str(root)]):
        result = fmt_cli(*args)
        assert result.exit_code == 0, result.output
        assert "1 skipped" in result.stdout and "0 file(s)" in result.stdout
    assert (root / "stores.yaml").read_text() == ANCHORS
