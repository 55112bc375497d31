"""``oms_setting`` typed values: a bad type inside a known key's value is an error at that
value's line; an unknown key inside it is a warning with a did-you-mean; cross-field messages
name no input type."""

from __future__ import annotations

from pathlib import Path

import pytest

from omsform.errors import ConfigError
from tests.harness import BrandHarness

SECRETS = {"OMNITRON_PW": "canary-omnitron-pw-7f3a"}
SETTINGS = """\
    oms_setting:
      OMNITRON_CLIENT_SETTINGS:
        value:
          auth: {username: oms.application, password: "${secret.OMNITRON_PW}"}
          urls: {base_url: "https://acme.example.com/api/v1"}
          timeouts: {read: 6000, connect: 6000}
      ORDER_FILTERING:
        value: {channels: [1, 2], exclude: false}
      GEOLOCATION_DISCOVERY:
        value: {provider: google, api_key: k-123456}
      IS_TRADEIN_ENABLED:
        value: false
    """


def _problems(tmp_path: Path, old: str, new: str) -> list[str]:
    h = BrandHarness(tmp_path, env=SECRETS)
    h.write({"settings.yaml": SETTINGS.replace(old, new)})
    with pytest.raises(ConfigError) as err:
        h.load()
    return [str(p) for p in err.value.problems]


def test_the_valid_settings_load_without_warnings(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path, env=SECRETS)
    h.write({"settings.yaml": SETTINGS})
    assert not h.load().warnings


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "exclude: false",
            "exclude: nope",
            "settings.yaml:8:40 (oms_setting.ORDER_FILTERING): error: field 'value.exclude' "
            "must be a valid boolean, got 'nope'",
        ),
        (
            "timeouts: {read: 6000",
            "timeouts: {read: soon",
            "settings.yaml:6:24 (oms_setting.OMNITRON_CLIENT_SETTINGS): error: "
            "field 'value.timeouts.read' must be a valid integer",
        ),
        (
            "provider: google",
            "provider: bing",
            "settings.yaml:10:23 (oms_setting.GEOLOCATION_DISCOVERY): error: "
            "field 'value.provider' must be 'google' or 'yandex', got 'bing'",
        ),
        (
            "value: false",
            "value: maybe",
            "settings.yaml:12:12 (oms_setting.IS_TRADEIN_ENABLED): error: "
            "field 'value' IS_TRADEIN_ENABLED takes true or false, got 'maybe'",
        ),
    ],
)
def test_a_bad_value_inside_a_typed_setting_is_an_error_at_the_value(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    [problem] = _problems(tmp_path, old, new)
    assert expected in problem
    assert "got a map" not in problem


def test_an_unknown_key_inside_a_typed_setting_is_a_warning_with_a_hint(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path, env=SECRETS)
    h.write({"settings.yaml": SETTINGS.replace("{read: 6000", "{raed: 6000")})
    [warning] = h.load().warnings
    assert warning.location.address == "oms_setting.OMNITRON_CLIENT_SETTINGS"
    assert "value.timeouts.raed" in warning.message
    assert warning.hint == "did you mean 'read'?"


def test_cross_field_rules_name_no_input_type(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write(
        {
            "cargo.yaml": """\
            oms_cargo_integration:
              demo:
                erp_code: DEMO
                name: Demo
                shipping_company: demo
                is_demo_client: true
                conf: {klass: oms.shipments.clients.demo_client.Fast, password: x}
            """
        }
    )
    with pytest.raises(ConfigError) as err:
        h.load()
    [problem] = [str(p) for p in err.value.problems]
    assert problem.endswith("error: a demo client takes no credentials: remove conf.password")


def test_collections_are_called_lists_of_strings(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write(
        {
            "locations.yaml": "oms_stock_location:\n  wh: {erp_code: WH, name: W, "
            "stock_location_type: warehouse, tags: warehouse}\n"
        }
    )
    with pytest.raises(ConfigError) as err:
        h.load()
    [problem] = [str(p) for p in err.value.problems]
    assert "field 'tags' must be a list of strings, got 'warehouse'" in problem
