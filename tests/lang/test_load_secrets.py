"""Secret handling helpers: redaction of text, masking of structured data, and hints."""

from __future__ import annotations

from pathlib import Path

import pytest

from omsform.errors import ConfigError
from omsform.lang.load import load_brand
from omsform.lang.suggest import closest, did_you_mean
from omsform.paths import iter_paths
from omsform.secrets import SENSITIVE
from omsform.secrets.mask import mask_paths, redact
from tests.fixtures.kinds import PROVIDERS


def test_redact_replaces_every_occurrence_longest_first() -> None:
    text = "token=abcdef123 again abcdef123 and abcdef"
    assert redact(text, ["abcdef", "abcdef123"]) == (
        f"token={SENSITIVE} again {SENSITIVE} and {SENSITIVE}"
    )


def test_redact_ignores_empty_secrets_and_escapes_regex_characters() -> None:
    assert redact("a.b*c+d?e", ["", ".b*c+d?"]) == f"a{SENSITIVE}e"
    assert redact("nothing here", []) == "nothing here"


def test_mask_paths_masks_nested_and_list_elements_without_touching_the_input() -> None:
    data = {
        "name": "x",
        "conf": {"password": "p1", "user": "u"},
        "endpoint_conf": [{"auth": {"token": "t1"}}, {"auth": {"token": "t2"}}, {"other": 1}],
        "absent": None,
    }
    masked = mask_paths(data, ["conf.password", "endpoint_conf[].auth.token", "absent", "nope.x"])
    assert masked["conf"] == {"password": SENSITIVE, "user": "u"}
    assert [e.get("auth") for e in masked["endpoint_conf"]] == [
        {"token": SENSITIVE},
        {"token": SENSITIVE},
        None,
    ]
    assert masked["absent"] is None
    assert data["conf"]["password"] == "p1"  # the input is not modified
    assert (
        mask_paths(data, ["endpoint_conf[1].auth.token"])["endpoint_conf"][0]["auth"]["token"]
        == "t1"
    )


def test_iter_paths_collects_list_elements() -> None:
    data = {"a": [{"b": 1}, {"b": 2}, {}]}
    assert list(iter_paths(data, "a[].b")) == [1, 2]
    assert list(iter_paths(data, "a[5].b")) == []


def test_suggestions() -> None:
    assert did_you_mean("nmae", ["name", "type"]) == "did you mean 'name'?"
    assert did_you_mean("zzz", ["name", "type"]) == ""
    assert closest("Name", ["name", "game"]) == "name"


CONFIG = """brand: acme
providers:
  testprov:
    url: https://tp.example
    token: ${secret.TP_TOKEN}
"""


def test_secret_values_never_reach_problem_messages(tmp_path: Path) -> None:
    canary = "canary-4c1d9e"
    (tmp_path / "omsform.yaml").write_text(CONFIG)
    # the secret lands in a field with the wrong type and in a string next to a bad reference
    (tmp_path / "bad.yaml").write_text(
        "tp_location:\n  x:\n    erp_code: X\n    name: ${secret.TP_TOKEN}\n"
        "    type: ${secret.TP_TOKEN}\n    priority: '${secret.TP_TOKEN}'\n"
        "tp_setting:\n  s:\n    value: 'pre-${secret.TP_TOKEN}-${tp_location.nope}'\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_brand(tmp_path, providers=PROVIDERS, environ={"TP_TOKEN": canary})
    text = "\n".join(str(p) for p in caught.value.problems) + str(caught.value)
    assert "field 'type' must be 'store' or 'warehouse'" in text
    assert "field 'priority' must be a valid integer" in text
    assert canary not in text


def test_a_short_secret_is_a_warning_at_its_use_and_long_ones_are_not(tmp_path: Path) -> None:
    (tmp_path / "omsform.yaml").write_text(CONFIG)
    (tmp_path / "loc.yaml").write_text(
        "tp_location:\n  x:\n    erp_code: X\n    name: 'n-${secret.SHORT}'\n    type: store\n"
    )
    env = {"TP_TOKEN": "tok", "SHORT": "ab"}
    brand = load_brand(tmp_path, providers=PROVIDERS, environ=env)
    found = sorted(str(w) for w in brand.warnings if "shorter than 6" in w.message)
    assert found[0].startswith(f"{tmp_path / 'loc.yaml'}:4:11 (tp_location.x): warning: ")
    assert "secret SHORT " in found[0]
    assert f"{tmp_path / 'omsform.yaml'}:5:12: warning: secret TP_TOKEN " in found[1]
    assert len(found) == 2
    env = {"TP_TOKEN": "tok-long", "SHORT": "abcdef"}
    brand = load_brand(tmp_path, providers=PROVIDERS, environ=env)
    assert not [w for w in brand.warnings if "shorter than" in w.message]
