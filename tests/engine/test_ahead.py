"""Which kinds a brand's resource files declare, told from their top-level lines before loading
(:func:`omsform.engine.ahead.declared_kinds`): a kind is read ahead only when that is certain."""

from __future__ import annotations

from pathlib import Path

import pytest

from omsform.engine.ahead import declared_kinds

KNOWN = {"oms_webhook", "oms_denial_reason", "oms_transition"}


def brand(tmp_path: Path, **files: str) -> Path:
    """A brand directory with ``omsform.yaml`` (not scanned) and ``files`` (name → text)."""
    (tmp_path / "omsform.yaml").write_text("brand: x\nproviders: {}\n")
    (tmp_path / "vars.yaml").write_text("oms_webhook: not a resource file\n")
    for name, text in files.items():
        (tmp_path / f"{name}.yaml").write_text(text)
    return tmp_path


def test_kinds_with_objects_below_them_are_declared(tmp_path: Path) -> None:
    found = declared_kinds(
        brand(
            tmp_path,
            a="# a comment\n---\noms_webhook:  # hooks\n  one:\n    x: 1\n\noms_transition:\n"
            "  # first\n  t: {}\n",
            b="oms_denial_reason:\n  r: {reason: x}\n",
        ),
        KNOWN,
    )
    assert found == {"oms_webhook", "oms_transition", "oms_denial_reason"}


@pytest.mark.parametrize(
    "text",
    [
        "oms_webhook:\n  one: {x: {{ vars.x }}}\n",  # templated: what it declares is rendered
        "{% if true %}\noms_webhook:\n  one: {}\n{% endif %}\n",
        "oms_webhook: {}\n",  # a flow mapping: maybe empty
        "oms_webhook:\n# only comments\n",  # no object below the key
        "oms_webhook:\n  one: {}\nnot_a_kind:\n  x: 1\n",  # loading will refuse it
        '"oms_webhook":\n  one: {}\n',  # a quoted key: not told from the text here
    ],
)
def test_anything_uncertain_declares_nothing_ahead(tmp_path: Path, text: str) -> None:
    assert declared_kinds(brand(tmp_path, a=text), KNOWN) is None
