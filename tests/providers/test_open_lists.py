"""Open where the docs are open: webhook event types and command classes outside the
documented lists are accepted with a did-you-mean warning (the docs' lists are not closed, and
the whisperer example itself uses ``package-created``), applied through the sandbox as
written, and refused by ``omsform validate --strict``."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from omsform.cli.main import main
from tests.harness import BrandHarness, env

HOOK = """\
    oms_webhook:
      created:
        event_type: package-created
        target_url: https://erp.example.com/hooks/created
    """
FLOW = """\
    oms_transition:
      UNBLOCK_THE_PACKAGE:
        name: Unblock
        source_state: blocked
        target_state: waiting
        command_class: UnblockThePackageCommand
      BLOCK:
        name: Block
        source_state: waiting
        target_state: blocked
        command_class: BlockThePackageCommand
      SHIP_NO_LABEL:
        name: Complete without shipment
        source_state: waiting
        target_state: packed
        command_class: CompletePackagingWithoutShipmentCommand
    """


def test_the_docs_package_created_example_is_applied_with_a_warning(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write({"hooks.yaml": HOOK})
    [warning] = [str(w) for w in h.load().warnings]
    assert "event_type 'package-created' is not a documented event type" in warning
    assert "did you mean 'package.created'?" in warning
    h.converge()
    [hook] = h.raw.get("/api/v1/oms/oms_hooks/").json()["results"]
    assert hook["event_type"] == "package-created"


def test_undocumented_command_classes_are_applied_documented_spellings_are_quiet(
    tmp_path: Path,
) -> None:
    h = BrandHarness(tmp_path)
    h.write({"flow.yaml": FLOW})
    warnings = [str(w) for w in h.load().warnings if "command class" in str(w)]
    # Unblock's class name is not in the docs; CompletePackaging… is the settings page's spelling
    assert len(warnings) == 1 and "'UnblockThePackageCommand'" in warnings[0]
    h.converge()
    rows = h.raw.get("/api/v1/oms/transitions/", params={"limit": 100}).json()["results"]
    assert {r["slug"]: r["command_class"] for r in rows}["UNBLOCK_THE_PACKAGE"] == (
        "UnblockThePackageCommand"
    )


def test_validate_strict_turns_the_warnings_into_errors(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write({"hooks.yaml": HOOK})
    urls = {"TEST_OMS_URL": "https://oms.example", "TEST_GINESYS_URL": "https://g.example"}
    with env(**urls):
        runner = CliRunner()
        lenient = runner.invoke(main, ["validate", str(h.path)])
        strict = runner.invoke(main, ["validate", "--strict", str(h.path)])
    assert lenient.exit_code == 0, lenient.output
    assert "warning: event_type 'package-created'" in lenient.output
    assert strict.exit_code == 1, strict.output
    assert "error: event_type 'package-created' is not a documented event type" in strict.output
    assert "did you mean 'package.created'?" in strict.output


def test_a_geocode_setting_nested_under_conf_converges(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path, env={"GEO_KEY": "canary-geo-key-71c2"})
    h.write(
        {
            "settings.yaml": """\
            oms_setting:
              GEOCODE_PROVIDER_SETTINGS:
                value:
                  conf: {provider: google, api_key: "${secret.GEO_KEY}"}
            """
        }
    )
    h.converge()
    [row] = h.raw.get("/api/v1/oms/settings/application_settings/").json()["results"]
    assert row["json_value"] == {"conf": {"provider": "google", "api_key": "********"}}
