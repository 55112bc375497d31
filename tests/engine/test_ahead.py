"""Which kinds a brand's resource files declare, told from their text before loading
(:func:`omsform.engine.ahead_kinds.scan_kinds`): a kind is read ahead only when that is
certain; a file that cannot be told with certainty only says what it may declare."""

from __future__ import annotations

from pathlib import Path

import pytest

from omsform.engine.ahead_kinds import KindScan, scan_kinds

KNOWN = {"oms_webhook", "oms_denial_reason", "oms_transition", "oms_setup_step"}


def brand(tmp_path: Path, **files: str) -> Path:
    """A brand directory with ``omsform.yaml`` (not scanned) and ``files`` (name → text)."""
    (tmp_path / "omsform.yaml").write_text("brand: x\nproviders: {}\n")
    (tmp_path / "vars.yaml").write_text("oms_webhook: not a resource file\n")
    for name, text in files.items():
        (tmp_path / f"{name}.yaml").write_text(text)
    return tmp_path


def test_kinds_with_objects_below_them_are_certain(tmp_path: Path) -> None:
    found = scan_kinds(
        brand(
            tmp_path,
            a="# a comment\n---\noms_webhook:  # hooks\n  one:\n    x: 1\n\noms_transition:\n"
            "  # first\n  t: {}\n",
            b="oms_denial_reason:\n  r: {reason: x}\n",
        ),
        KNOWN,
        {},
    )
    kinds = {"oms_webhook", "oms_transition", "oms_denial_reason"}
    assert found == KindScan(certain=frozenset(kinds), possible=frozenset(kinds))
    assert not found.may_declare("oms_setup_step")


@pytest.mark.parametrize(
    ("text", "possible"),
    [
        # templated: what it declares is rendered (its top-level keys say what it may declare)
        ("oms_webhook:\n  one: {x: {{ vars.x }}}\n", {"oms_webhook"}),
        ("{% if true %}\noms_webhook:\n  one: {}\n{% endif %}\n", {"oms_webhook"}),
        ("{{ vars.kind }}:\n  one: {}\n", None),  # any kind
        ("oms_webhook: {}\n", {"oms_webhook"}),  # a flow mapping: maybe empty
        ("oms_webhook:\n# only comments\n", {"oms_webhook"}),  # no object below the key
        ("oms_webhook:\n  <<: {}\n", {"oms_webhook"}),  # a merge key: maybe no object
        ("oms_webhook:\n  - one\n", {"oms_webhook"}),  # not a map of objects
        ('"oms_webhook":\n  one: {}\n', {"oms_webhook"}),  # a quoted key
        ("oms_transition:\n  t: {}\n'x': 1\n", {"oms_transition"}),  # one line not told
    ],
)
def test_a_file_not_told_for_certain_only_says_what_it_may_declare(
    tmp_path: Path, text: str, possible: set[str] | None
) -> None:
    """Its kinds are not certain; the plain file beside it still is."""
    found = scan_kinds(brand(tmp_path, a=text, b="oms_denial_reason:\n  r: {}\n"), KNOWN, {})
    assert found is not None
    assert found.certain == {"oms_denial_reason"}
    if possible is None:
        assert found.possible is None and found.may_declare("oms_setup_step")
    else:
        assert found.possible == possible | {"oms_denial_reason"}
        assert not found.may_declare("oms_setup_step")


@pytest.mark.parametrize(
    "files",
    [
        {"a": "oms_webhook:\n  one: {}\nnot_a_kind:\n  x: 1\n"},  # loading will refuse it
        {"a": "oms_webhook:\n  one: {}\n", "b": "oms_webhk:\n  x: 1\n"},
    ],
)
def test_an_unknown_top_level_key_gives_no_head_start(
    tmp_path: Path, files: dict[str, str]
) -> None:
    assert scan_kinds(brand(tmp_path, **files), KNOWN, {}) is None


def test_an_unreadable_file_gives_no_head_start(tmp_path: Path) -> None:
    directory = brand(tmp_path, a="oms_webhook:\n  one: {}\n")
    (directory / "b.yaml").write_bytes(b"oms_webhook:\n  \xff: {}\n")
    assert scan_kinds(directory, KNOWN, {}) is None


@pytest.mark.parametrize("reference", ["${env.HOOK_URL}", "${ secret.HOOK_TOKEN }"])
def test_a_variable_not_set_gives_no_head_start(tmp_path: Path, reference: str) -> None:
    """Loading will report it (and make no request): nothing is started ahead."""
    directory = brand(tmp_path, a=f"oms_webhook:\n  one: {{url: '{reference}'}}\n")
    assert scan_kinds(directory, KNOWN, {"HOOK_URL": "u", "HOOK_TOKEN": "t"}) is not None
    assert scan_kinds(directory, KNOWN, {"OTHER": "x"}) is None
