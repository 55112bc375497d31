"""Where problems are reported (templates, nested values), and that bad input never crashes."""

from __future__ import annotations

from pathlib import Path

import pytest

from omsform.errors import ConfigError
from omsform.lang.load import load_brand
from tests.fixtures.kinds import PROVIDERS

CONFIG = (
    "brand: acme\nproviders:\n  testprov:\n    url: https://tp.example\n    token: tok-0a9b8c\n"
)


def problems(directory: Path, files: dict[str, str | bytes]) -> list[str]:
    for name, content in {"omsform.yaml": CONFIG, **files}.items():
        path = directory / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    with pytest.raises(ConfigError) as caught:
        load_brand(directory, providers=PROVIDERS, environ={})
    errors = [p for p in caught.value.problems if p.severity == "error"]
    return [str(p).removeprefix(f"{directory}/") for p in errors]


STORES = (
    "tp_location:\n"
    "{% for s in vars.stores %}\n"
    "  {{ s.code | lower }}:\n"
    "    erp_code: {{ s.code }}\n"
    "    name: {{ s.name }}\n"
    "    type: {{ s.type }}\n"
    "{% endfor %}\n"
)


def test_field_errors_in_generated_resources_point_at_the_template_line(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        {
            "vars.yaml": (
                "stores:\n  - {code: IST, name: I, type: store}\n"
                "  - {code: ANK, name: A, type: shop}\n"
            ),
            "stores.yaml": STORES,
        },
    )
    assert found == [
        "stores.yaml:6:11 (tp_location.ank): error: field 'type' must be 'store' or 'warehouse', "
        "got 'shop'"
    ]


def test_yaml_errors_in_generated_text_point_at_the_template_line(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        {
            "vars.yaml": "stores:\n  - {code: IST, name: 'a: b', type: store}\n",
            "stores.yaml": STORES,
        },
    )
    assert len(found) == 1 and found[0].startswith("stores.yaml:5:")
    assert "YAML syntax error" in found[0]


def test_lines_that_cannot_be_mapped_say_rendered(tmp_path: Path) -> None:
    template = "tp_location:\n  x:\n    {{ vars.body | indent(4) }}\n"
    body = "erp_code: X\nname: N\ntype: shop\n"
    found = problems(
        tmp_path,
        {"vars.yaml": f"body: |\n  {body.replace(chr(10), chr(10) + '  ')}", "x.yaml": template},
    )
    assert found == [
        "x.yaml (rendered):5:11 (tp_location.x): error: field 'type' must be 'store' or "
        "'warehouse', got 'shop'"
    ]


def test_nested_errors_point_at_the_nested_value(tmp_path: Path) -> None:
    text = "tp_setting:\n  s:\n    auth:\n      username: [a]\n      pasword: x\n"
    found = problems(tmp_path, {"s.yaml": text})
    assert found == [
        "s.yaml:4:17 (tp_setting.s): error: field 'auth.username' must be a valid string, "
        "got a list",
        "s.yaml:5:7 (tp_setting.s): error: unknown field 'auth.pasword' (did you mean 'password'?)",
    ]


def test_a_broken_vars_file_does_not_flood_templates_with_errors(tmp_path: Path) -> None:
    found = problems(tmp_path, {"vars.yaml": "stores: [\n", "stores.yaml": STORES})
    assert len(found) == 1 and found[0].startswith("vars.yaml:")


BAD_INPUTS: list[str | bytes] = [
    "---\na: 1\n---\nb: 2\n",
    b"\xff\xfe\x00bad",
    "tp_location:\n  x: &a [*a]\n",
    "? [a]\n: b\n",
    "tp_location:\n  ? [a]\n  : b\n",
    "tp_location:\n  x:\n    <<: 5\n",
    "tp_location:\n  x:\n    erp_code: ${\n",
    "tp_location:\n  x:\n    erp_code: ${}\n    name: ${ }\n",
    "{{",
    "{% raw %}",
    "tp_setting:\n  '':\n    value: 1\n",
    "tp_setting:\n  null:\n  ~:\n",
    "tp_location: !!binary aGVsbG8=\n",
    "tp_setting:\n  x:\n    key: 5\n    value: !!set {a, b}\n",
    "[" * 300 + "]" * 300,
    "tp_setting:\n  x:\n    value: ${tp_setting.x}\n",
    "tp_setting:\n  x:\n    value: ${tp_setting.y.value.deep.er}\n  y:\n    value: 1\n",
    "tp_scenario:\n  s:\n    name: ${env.A}${secret.B}${tp_location.c.d}\n",
    "\t",
    "tp_location:\n  a:\n    erp_code: 1\n    name: 2\n    type: 3\n    tags: {a: 1}\n",
]


@pytest.mark.parametrize("content", BAD_INPUTS, ids=range(len(BAD_INPUTS)))
def test_bad_input_is_a_config_error_never_a_crash(tmp_path: Path, content: str | bytes) -> None:
    (tmp_path / "omsform.yaml").write_text(CONFIG)
    path = tmp_path / "r.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    try:
        load_brand(tmp_path, providers=PROVIDERS, environ={})
    except ConfigError as err:  # loading without problems is fine too; any other error is not
        assert err.problems and all(p.location.file for p in err.problems)
