"""Which kinds ``plan --changed-since REF`` lists ahead (:mod:`omsform.engine.ahead_since`):
only those its partial plan certainly reads, told from git's answers before loading; nothing
before git was asked or when git failed."""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path

import pytest

from omsform.contract.provider import registry
from omsform.engine import gitdiff
from omsform.engine.ahead_since import certainly_read
from omsform.errors import OmsformError

MANAGED = frozenset({"oms_webhook", "oms_channel", "oms_scenario"})
IDENTITY = ["-c", "user.name=t", "-c", "user.email=t@example.com"]


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *IDENTITY, *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def brand(tmp_path: Path) -> Path:
    """A committed brand directory: a config, webhooks and channels."""
    (tmp_path / "omsform.yaml").write_text("version: 1\n")
    (tmp_path / "webhooks.yaml").write_text("oms_webhook:\n  a: {max_retries: 5}\n")
    (tmp_path / "channels.yaml").write_text("oms_channel:\n  web: {name: Web}\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "brand")
    return tmp_path


def read_ahead(brand: Path, ref: str = "HEAD") -> set[str] | None:
    gitdiff.prefetch(brand, ref)
    try:
        return certainly_read(brand, ref, MANAGED)
    finally:
        with contextlib.suppress(OmsformError):
            gitdiff.BrandDiff(brand, ref)  # takes git's answers, as the run's loading does


def test_only_the_changed_kinds_the_brand_manages(brand: Path) -> None:
    (brand / "webhooks.yaml").write_text("oms_webhook:\n  a: {max_retries: 7}\n")
    (brand / "settings.yaml").write_text("oms_setting:\n  X: {value: 1}\n")  # not managed
    assert read_ahead(brand) == {"oms_webhook"}


def test_nothing_changed_reads_nothing(brand: Path) -> None:
    assert read_ahead(brand) == set()


@pytest.mark.parametrize("config", ["omsform.yaml", "vars.yaml"])
def test_a_changed_config_reads_every_managed_kind(brand: Path, config: str) -> None:
    (brand / config).write_text("version: 1\n# reviewed\n")
    assert read_ahead(brand) == set(MANAGED)


def test_a_templated_file_at_ref_reads_every_managed_kind(brand: Path) -> None:
    """A templated top-level line at REF: the plan is full."""
    (brand / "webhooks.yaml").write_text("{{ kind }}:\n  a: {}\n")
    git(brand, "commit", "-qam", "templated")
    (brand / "webhooks.yaml").write_text("oms_webhook:\n  a: {}\n")
    assert read_ahead(brand) == set(MANAGED)


def test_kinds_needing_or_needed_by_a_changed_kind(
    brand: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kinds = registry().kinds
    monkeypatch.setattr(kinds["oms_scenario"], "depends_on_kinds", ("oms_webhook",))
    (brand / "webhooks.yaml").write_text("oms_webhook:\n  a: {max_retries: 7}\n")
    assert read_ahead(brand) == {"oms_webhook", "oms_scenario"}
    monkeypatch.setattr(kinds["oms_scenario"], "depends_on_kinds", ())
    monkeypatch.setattr(kinds["oms_webhook"], "depends_on_kinds", ("oms_channel",))
    assert read_ahead(brand) == {"oms_webhook", "oms_channel"}


def test_nothing_is_certain_before_git_was_asked_or_when_it_failed(brand: Path) -> None:
    assert certainly_read(brand, "HEAD", MANAGED) is None
    assert read_ahead(brand, "no-such-ref") is None
