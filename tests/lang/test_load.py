"""Loading a valid brand: typed desired objects, references, templates, configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from omsform.errors import ConfigError
from omsform.lang.load import Brand, load_brand
from tests.fixtures.kinds import PROVIDERS, TpLocationSpec, TpScenarioSpec, TpSettingSpec

CONFIG = """brand: acme
providers:
  testprov:
    url: ${env.TP_URL}
    token: ${secret.TP_TOKEN}
manage:
  prune: [tp_setting]
  protect: ["tp_location.*"]
safety:
  max_change_fraction: 0.5
  min_existing: 3
"""
ENV = {"TP_URL": "https://tp.example", "TP_TOKEN": "token-7d1e2f"}


def write(directory: Path, files: dict[str, str]) -> Path:
    """A brand directory with the standard omsform.yaml plus ``files``."""
    for name, text in {"omsform.yaml": CONFIG, **files}.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return directory


def load(directory: Path, files: dict[str, str], **kwargs: object) -> Brand:
    environ = kwargs.pop("environ", ENV)
    return load_brand(write(directory, files), providers=PROVIDERS, environ=environ, **kwargs)  # type: ignore[arg-type]


def problems_of(directory: Path, files: dict[str, str], **kwargs: object) -> str:
    with pytest.raises(ConfigError) as caught:
        load(directory, files, **kwargs)
    return "\n".join(str(p) for p in caught.value.problems)


LOCATIONS = """tp_location:
  wh:
    erp_code: WH-1
    name: Main warehouse
    type: warehouse
    priority: "7"
    tags: [b, a, b]
  ist:
    erp_code: IST
    name: Istanbul
    type: store
"""


def test_config_is_read_with_defaults_and_values(tmp_path: Path) -> None:
    brand = load(tmp_path, {})
    assert brand.config.brand == "acme"
    assert brand.config.manage.prune == ("tp_setting",)
    assert brand.config.manage.protect == ("tp_location.*",)
    assert brand.config.safety.max_change_fraction == 0.5
    assert brand.config.safety.min_existing == 3
    # provider blocks are kept as written: no secret value in the config model
    assert brand.config.providers["testprov"]["token"] == "${secret.TP_TOKEN}"
    block = brand.provider_config("testprov")
    assert block.model_dump() == {"url": "https://tp.example", "token": "token-7d1e2f"}
    assert "token-7d1e2f" in brand.secrets
    assert brand.desired == {}


def test_resources_become_typed_desired_objects(tmp_path: Path) -> None:
    brand = load(tmp_path, {"locations.yaml": LOCATIONS})
    assert list(brand.desired) == ["tp_location.ist", "tp_location.wh"]
    wh = brand.desired["tp_location.wh"]
    assert isinstance(wh.spec, TpLocationSpec)
    assert wh.spec.priority == 7
    assert wh.spec.tags == frozenset({"a", "b"})
    assert (wh.kind, wh.name, wh.address) == ("tp_location", "wh", "tp_location.wh")
    assert wh.location.file.endswith("locations.yaml")
    assert (wh.location.line, wh.location.column) == (2, 3)


def test_name_field_defaults_to_the_local_name(tmp_path: Path) -> None:
    text = "tp_setting:\n  ORDER_FILTERING:\n    value: {enabled: true}\n  other:\n    key: X\n"
    brand = load(tmp_path, {"settings.yaml": text})
    assert brand.desired["tp_setting.ORDER_FILTERING"].spec.key == "ORDER_FILTERING"
    assert brand.desired["tp_setting.other"].spec.key == "X"


def test_the_same_kind_may_be_split_over_files(tmp_path: Path) -> None:
    second = "tp_location:\n  ank:\n    erp_code: ANK\n    name: Ankara\n    type: store\n"
    brand = load(tmp_path, {"a.yaml": LOCATIONS, "b.yaml": second})
    assert sorted(brand.desired) == ["tp_location.ank", "tp_location.ist", "tp_location.wh"]


def test_references_resolve_to_keys_and_make_edges(tmp_path: Path) -> None:
    scenarios = """tp_scenario:
  main:
    name: "Main for ${tp_location.wh.name}"
    default_location: ${tp_location.wh}
    locations: ["${tp_location.wh}", "${tp_location.ist.erp_code}"]
    weight: ${tp_location.wh.priority}
"""
    brand = load(tmp_path, {"locations.yaml": LOCATIONS, "scenarios.yaml": scenarios})
    main = brand.desired["tp_scenario.main"]
    assert isinstance(main.spec, TpScenarioSpec)
    assert main.spec.name == "Main for Main warehouse"
    assert main.spec.default_location == "WH-1"
    assert main.spec.locations == ("WH-1", "IST")
    assert main.spec.weight == 7  # a whole-scalar reference keeps the int type
    assert main.depends_on == {"tp_location.wh", "tp_location.ist"}


def test_plain_natural_keys_of_declared_objects_are_edges_too(tmp_path: Path) -> None:
    scenarios = (
        "tp_scenario:\n  main:\n    name: M\n    default_location: IST\n"
        "    locations: [IST, EXTERNAL]\n"
    )
    brand = load(tmp_path, {"locations.yaml": LOCATIONS, "scenarios.yaml": scenarios})
    assert brand.desired["tp_scenario.main"].depends_on == {"tp_location.ist"}


def test_references_work_in_any_file_order(tmp_path: Path) -> None:
    text = (
        "tp_setting:\n  a:\n    value: ${tp_setting.b.value}\n"
        "  b:\n    value: ${tp_setting.c.value}\n  c:\n    value: 42\n"
    )
    brand = load(tmp_path, {"settings.yaml": text})
    assert brand.desired["tp_setting.a"].spec.value == 42
    assert brand.desired["tp_setting.a"].depends_on == {"tp_setting.b"}


def test_string_interpolation_and_escape(tmp_path: Path) -> None:
    text = (
        "tp_setting:\n  s:\n"
        '    value: "url=${env.TP_URL}/x n=${tp_setting.n.value} literal=$${env.NOPE}"\n'
        "  n:\n    value: 3\n"
    )
    brand = load(tmp_path, {"settings.yaml": text})
    assert (
        brand.desired["tp_setting.s"].spec.value
        == "url=https://tp.example/x n=3 literal=${env.NOPE}"
    )


def test_secrets_are_tracked_by_path_and_value(tmp_path: Path) -> None:
    text = """tp_setting:
  creds:
    value:
      endpoints:
        - token: ${secret.EP_TOKEN}
    auth:
      username: bob
      password: ${secret.CRED_PW}
  copy:
    value: ${tp_setting.creds.auth}
"""
    env = {**ENV, "EP_TOKEN": "ep-secret-1", "CRED_PW": "pw-secret-2"}
    brand = load(tmp_path, {"settings.yaml": text}, environ=env)
    creds = brand.desired["tp_setting.creds"]
    assert creds.secret_paths == {"value.endpoints[].token", "auth.password"}
    assert isinstance(creds.spec, TpSettingSpec) and creds.spec.auth is not None
    assert creds.spec.auth.password == "pw-secret-2"
    # a reference to a secret attribute makes the referring field secret as well
    assert brand.desired["tp_setting.copy"].secret_paths == {"value"}
    assert {"ep-secret-1", "pw-secret-2", "token-7d1e2f"} <= brand.secrets


def test_write_only_literal_values_are_secret(tmp_path: Path) -> None:
    text = "tp_setting:\n  creds:\n    auth: {username: bob, password: literal-pw-9}\n"
    brand = load(tmp_path, {"settings.yaml": text})
    assert "literal-pw-9" in brand.secrets


def test_repr_of_a_brand_shows_no_secret(tmp_path: Path) -> None:
    brand = load(tmp_path, {})
    assert "token-7d1e2f" not in repr(brand)


def test_offline_uses_placeholders_for_missing_secrets(tmp_path: Path) -> None:
    text = "tp_setting:\n  creds:\n    auth: {username: bob, password: '${secret.CRED_PW}'}\n"
    env = {"TP_URL": "https://tp.example"}
    brand = load(tmp_path, {"settings.yaml": text}, environ=env, offline=True)
    spec = brand.desired["tp_setting.creds"].spec
    assert isinstance(spec, TpSettingSpec) and spec.auth is not None
    assert spec.auth.password == "<secret:CRED_PW>"
    assert brand.provider_config("testprov").model_dump()["token"] == "<secret:TP_TOKEN>"
    assert brand.secrets == frozenset()
    online = problems_of(tmp_path, {"settings.yaml": text}, environ=env)
    assert "secret CRED_PW is not set" in online and "secret TP_TOKEN is not set" in online


def test_missing_env_is_an_error_even_offline(tmp_path: Path) -> None:
    text = problems_of(tmp_path, {}, environ={"TP_TOKEN": "x"}, offline=True)
    assert "omsform.yaml:4:10: error: environment variable TP_URL is not set" in text


def test_sandbox_mode_does_not_need_the_provider_blocks_values(tmp_path: Path) -> None:
    brand = load(tmp_path, {"locations.yaml": LOCATIONS}, environ={}, sandbox=True)
    assert len(brand.desired) == 2
    # the block is still validated, but its values are placeholders
    assert brand.provider_config("testprov").model_dump()["url"] == "<env:TP_URL>"


def test_provider_config_of_an_absent_block_is_a_config_error(tmp_path: Path) -> None:
    brand = load(tmp_path, {})
    with pytest.raises(ConfigError) as caught:
        brand.provider_config("other")
    assert "no valid 'providers.other' block" in str(caught.value.problems[0])


def test_warnings_do_not_fail_the_load(tmp_path: Path) -> None:
    scenario = "tp_scenario:\n  lonely:\n    name: L\n    default_location: X\n"
    files = {"scenarios.yaml": scenario, "notes.yml": "x: 1\n"}
    brand = load(tmp_path, files)
    messages = [str(w) for w in brand.warnings]
    assert any("scenario has no locations" in m and "scenarios.yaml:2:3" in m for m in messages)
    assert any("notes.yml is ignored" in m for m in messages)
    assert all(w.severity == "warning" for w in brand.warnings)


def test_a_plaintext_provider_secret_is_a_warning_and_redacted(tmp_path: Path) -> None:
    write(tmp_path, {"omsform.yaml": CONFIG.replace("${secret.TP_TOKEN}", "plain-tok-31")})
    brand = load_brand(tmp_path, providers=PROVIDERS, environ=ENV)
    assert "plain-tok-31" in brand.secrets
    assert any("written in plain text" in str(w) for w in brand.warnings)
    assert "plain-tok-31" not in json_of(brand)


def json_of(brand: Brand) -> str:
    return repr(brand.config) + repr(brand.warnings) + brand.digest


def test_templates_generate_resources_from_vars(tmp_path: Path) -> None:
    files = {
        "vars.yaml": "stores:\n  - {code: IST, city: Istanbul}\n  - {code: ANK, city: Ankara}\n",
        "stores.yaml": (
            "tp_location:\n"
            "{% for s in vars.stores %}\n"
            "  store_{{ s.code | lower }}:\n"
            "    erp_code: {{ s.code }}\n"
            "    name: {{ s.city }} store\n"
            "    type: store\n"
            "{% endfor %}\n"
        ),
    }
    brand = load(tmp_path, files)
    assert sorted(brand.desired) == ["tp_location.store_ank", "tp_location.store_ist"]
    ank = brand.desired["tp_location.store_ank"]
    assert ank.spec.name == "Ankara store"  # type: ignore[attr-defined]
    # both were generated by template line 3
    assert (ank.location.line, ank.location.column) == (3, 3)
    assert ank.location.file.endswith("stores.yaml")


def test_only_top_level_yaml_files_are_resources(tmp_path: Path) -> None:
    bad = "not: [valid"
    files = {
        "locations.yaml": LOCATIONS,
        "sub/more.yaml": bad,
        ".omsform/ledger.yaml": bad,
        ".hidden.yaml": bad,
        "README.md": bad,
        "empty.yaml": "# nothing yet\n",
    }
    assert len(load(tmp_path, files).desired) == 2


def test_yaml_anchors_and_merge_keys(tmp_path: Path) -> None:
    text = """tp_location:
  base: &store
    erp_code: B
    name: Base
    type: store
    priority: 3
  ist:
    <<: *store
    erp_code: IST
"""
    brand = load(tmp_path, {"locations.yaml": text})
    assert brand.desired["tp_location.ist"].spec.priority == 3  # type: ignore[attr-defined]
    assert brand.desired["tp_location.ist"].spec.erp_code == "IST"  # type: ignore[attr-defined]


def test_mapping_keys_stay_text(tmp_path: Path) -> None:
    text = "tp_setting:\n  flags:\n    value: {on: yes, 1: one}\n"
    brand = load(tmp_path, {"settings.yaml": text})
    assert brand.desired["tp_setting.flags"].spec.value == {"on": True, "1": "one"}  # type: ignore[attr-defined]


def test_digest_is_stable_and_tracks_content_not_secret_values(tmp_path: Path) -> None:
    text = "tp_setting:\n  creds:\n    auth: {username: bob, password: '${secret.PW}'}\n"
    first = load(tmp_path / "a", {"settings.yaml": text}, environ={**ENV, "PW": "one-value"})
    again = load(tmp_path / "a", {"settings.yaml": text}, environ={**ENV, "PW": "one-value"})
    other_value = load(tmp_path / "a", {"settings.yaml": text}, environ={**ENV, "PW": "two-value"})
    renamed = text.replace("secret.PW", "secret.PW2")
    other_name = load(tmp_path / "b", {"settings.yaml": renamed}, environ={**ENV, "PW2": "x"})
    changed = load(
        tmp_path / "c", {"settings.yaml": text.replace("bob", "alice")}, environ={**ENV, "PW": "x"}
    )
    assert first.digest == again.digest == other_value.digest
    assert len({first.digest, other_name.digest, changed.digest}) == 3


def test_directory_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="1 problem"):
        load_brand(tmp_path / "nope", providers=PROVIDERS, environ=ENV)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError):
        load_brand(tmp_path / "file", providers=PROVIDERS, environ=ENV)


def test_pruning_a_kind_that_cannot_be_deleted_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "omsform.yaml").write_text(
        "brand: b\n"
        "providers:\n"
        "  akinon_oms: {url: 'https://oms.example', token: t}\n"
        "manage:\n"
        "  prune: [oms_webhook, oms_setting, oms_channel]\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_brand(tmp_path, sandbox=True, environ={})
    rendered = [str(p) for p in caught.value.problems if p.severity == "error"]
    assert len(rendered) == 2, rendered
    setting, channel = sorted(rendered, key=lambda r: "oms_channel" in r)
    assert "omsform.yaml:5:24" in setting and "oms_setting cannot be pruned" in setting
    assert "omsform.yaml:5:37" in channel and "oms_channel cannot be pruned" in channel
    assert "can be pruned: " in setting and "oms_webhook" in setting
    assert "oms_setting," not in setting.split("can be pruned: ")[1]
