"""Bad input through the CLI (in process; the missing-secret case through the installed console
script): broken copies of ``brands/demo`` (which uses
the real providers) and a broken environment. Every case exits 1, says where the problem is
(``file:line:column``, or the provider), prints no traceback, and the served sandbox sees no
write; problems found while loading make no request at all (a plan reading ahead: only the
listings it started before loading, :mod:`omsform.engine.ahead`).

A case adds files to the demo copy or edits one of its files; a *marker* is text on the line the
problem must be reported at, so the expected ``file:line:column`` is computed from the broken
file itself (the column is where the marker starts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from omsform.http import retry as http_retry
from tests.e2e.conftest import (
    Cli,
    Server,
    copy_demo,
    default_secrets,
    demo_env,
    resource_secret_names,
)
from tests.served import free_port

AFTER_LOADING = {"OMSFORM_READ_AHEAD": "0"}
"""A plan that reads only once the brand is loaded (no listing started ahead)."""

pytestmark = pytest.mark.slow

LOCATION = """\
oms_stock_location:
  e2e_extra:
    erp_code: E2E-EXTRA
    name: E2E Extra
    stock_location_type: warehouse
"""


@dataclass(frozen=True)
class Case:
    """One broken brand: files to add, ``(file, old, new)`` edits, and where/what to report."""

    name: str
    add: dict[str, str] = field(default_factory=dict)
    edits: tuple[tuple[str, str, str], ...] = ()
    where: tuple[tuple[str, str], ...] = ()  # (file, marker) of each expected problem
    says: tuple[str, ...] = ()


CASES = [
    Case(
        "yaml_syntax_error",
        edits=(("vars.yaml", "", "broken: {a: [1}\n"),),
        where=(("vars.yaml", "}"),),
        says=("YAML syntax error",),
    ),
    Case(
        "duplicate_key",
        add={"extra.yaml": LOCATION + "    name: Twice\n"},
        where=(("extra.yaml", "name: Twice"),),
        says=("duplicate key 'name'",),
    ),
    Case(
        "duplicate_key_in_config",
        edits=(("omsform.yaml", "\nbrand: ", "\nbrand: other\nbrand: "),),
        where=(("omsform.yaml", "brand: acme"),),
        says=("duplicate key 'brand'",),
    ),
    Case(
        "unknown_kind",
        add={"extra.yaml": LOCATION.replace("oms_stock_location", "oms_stok_location")},
        where=(("extra.yaml", "oms_stok_location"),),
        says=("unknown kind", "did you mean 'oms_stock_location'"),
    ),
    Case(
        "unknown_field",
        add={"extra.yaml": LOCATION + "    prioirty: 3\n"},
        where=(("extra.yaml", "prioirty"),),
        says=("unknown field 'prioirty'", "did you mean 'priority'"),
    ),
    Case(
        "unknown_config_key",
        edits=(("omsform.yaml", "", "colour: blue\n"),),
        where=(("omsform.yaml", "colour"),),
        says=("unknown field 'colour'",),
    ),
    Case(
        "wrong_type",
        add={"extra.yaml": LOCATION + "    priority: high\n"},
        where=(("extra.yaml", "high"),),
        says=("priority", "integer"),
    ),
    Case(
        "bad_enum",
        add={"extra.yaml": LOCATION.replace("type: warehouse", "type: warehose")},
        where=(("extra.yaml", "warehose"),),
        says=("did you mean 'warehouse'",),
    ),
    Case(
        "undeclared_reference",
        add={"extra.yaml": LOCATION + "    email: ${oms_stock_location.nowhere.email}\n"},
        where=(("extra.yaml", "${oms_stock_location.nowhere"),),
        says=("undeclared", "oms_stock_location.nowhere"),
    ),
    Case(
        "reference_cycle",
        add={
            "extra.yaml": LOCATION
            + "    email: ${oms_stock_location.e2e_other.email}\n"
            + LOCATION.split("\n", 1)[1].replace("e2e_extra", "e2e_other").replace("EXTRA", "O")
            + "    email: ${oms_stock_location.e2e_extra.email}\n"
        },
        where=(("extra.yaml", "e2e_extra:"),),
        says=("cycle",),
    ),
    Case(
        "duplicate_natural_key",
        add={"extra.yaml": LOCATION + LOCATION.split("\n", 1)[1].replace("extra:", "again:")},
        where=(("extra.yaml", "e2e_again"),),
        says=("duplicate natural key 'E2E-EXTRA'",),
    ),
    Case(
        "undefined_template_variable",
        add={"extra.yaml": LOCATION + "    priority: {{ vars.no_such_priority }}\n"},
        where=(("extra.yaml", "no_such_priority"),),
        says=("undefined",),
    ),
    Case(
        "every_problem_in_one_pass",
        add={
            "extra.yaml": LOCATION + "    prioirty: 3\n",
            "extra2.yaml": LOCATION.replace("extra", "extra2")
            .replace("EXTRA", "EXTRA2")
            .replace("type: w", "type: x"),
            "extra3.yaml": "oms_setting: [1, 2}\n",
        },
        where=(("extra.yaml", "prioirty"), ("extra2.yaml", "xarehouse"), ("extra3.yaml", "}")),
        says=("3 problem(s)",),
    ),
]


def broken_copy(tmp_path: Path, case: Case) -> Path:
    """The demo with ``case`` applied."""
    brand = copy_demo(tmp_path / "demo")
    for name, text in case.add.items():
        (brand / name).write_text(text)
    for name, old, new in case.edits:
        path = brand / name
        text = path.read_text()
        assert old in text, f"the demo's {name} no longer contains {old!r}: update this case"
        path.write_text(text.replace(old, new, 1) if old else new + text)
    return brand


def located(brand: Path, name: str, marker: str) -> str:
    """``demo/NAME:line:column`` of the first occurrence of ``marker`` in the brand's file."""
    for number, line in enumerate((brand / name).read_text().splitlines(), start=1):
        if marker in line:
            return f"{brand.name}/{name}:{number}:{line.index(marker) + 1}"
    raise AssertionError(f"marker {marker!r} not in {name}")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_broken_brand_is_refused_with_a_location_and_no_request(
    case: Case, tmp_path: Path, server: Server
) -> None:
    brand = broken_copy(tmp_path, case)
    cli = Cli(brand, demo_env(brand, server, default_secrets(brand)))
    server.reset_stats()
    for args in (("validate", "demo"), ("plan", "demo"), ("apply", "demo", "--auto-approve")):
        result = cli(*args, env=AFTER_LOADING)
        assert result.code == 1, result
        for name, marker in case.where:
            assert located(brand, name, marker) in result.stderr, (marker, str(result))
        for words in case.says:
            assert words in result.stderr, (words, str(result))
    assert server.stats()["total"] == 0, "a brand that does not load makes no request"
    # reading ahead, plan has sent the listings it is certain to make before the brand turned
    # out broken: the same refusal, and no request but those reads
    ahead = cli("plan", "demo")
    assert ahead.stderr == cli("plan", "demo", env=AFTER_LOADING).stderr
    sent = server.stats()["by_path"]
    assert all(route.startswith("GET ") for route in sent), sent


def test_missing_secret_is_reported_at_plan_time_where_it_is_used(
    tmp_path: Path, server: Server
) -> None:
    brand = copy_demo(tmp_path / "demo")
    env = demo_env(brand, server, default_secrets(brand))
    cli = Cli(brand, env, console_script=True)
    name = sorted(resource_secret_names(brand))[0]
    user = next(
        p.name for p in sorted(brand.glob("*.yaml")) if f"${{secret.{name}}}" in p.read_text()
    )
    marker = f"${{secret.{name}}}"
    assert cli("validate", "demo", env={name: None}).code == 0, "validate is offline"
    server.reset_stats()
    for args in (("plan", "demo"), ("apply", "demo", "--auto-approve")):
        result = cli(*args, env={name: None})
        assert result.code == 1, result
        assert located(brand, user, marker) in result.stderr, str(result)
        assert f"secret {name} is not set" in result.stderr
    assert server.stats()["total"] == 0


def test_unreachable_api_names_the_provider_and_writes_nothing(
    tmp_path: Path, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the CLI runs in this process: its retries of the refused connection are all made, each
    # after a pause of 0 s instead of the real jittered backoff (about 7 s in all)
    monkeypatch.setattr(http_retry, "BASE_BACKOFF_S", 0.0)
    brand = copy_demo(tmp_path / "demo")
    cli = Cli(brand, demo_env(brand, server, default_secrets(brand)))
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    server.reset_stats()
    result = cli("plan", "demo", env={"DEMO_OMS_URL": closed})
    assert result.code == 1, result
    assert "akinon_oms" in result.stderr and "unreachable" in result.stderr
    assert closed in result.stderr
    assert server.writes() == {}


def test_wrong_token_is_a_401_about_the_token_and_writes_nothing(
    tmp_path: Path, server: Server
) -> None:
    brand = copy_demo(tmp_path / "demo")
    cli = Cli(brand, demo_env(brand, server, default_secrets(brand)))
    for args in (("plan", "demo"), ("apply", "demo", "--auto-approve")):
        server.reset_stats()
        result = cli(*args, env={"DEMO_OMS_TOKEN": "wrong-token-" + "1" * 20})
        assert result.code == 1, result
        assert "akinon_oms" in result.stderr and "(401)" in result.stderr
        assert "token" in result.stderr and "providers.akinon_oms" in result.stderr
        assert server.writes() == {}
        # R8: a rejected token costs the OMS exactly one request, not one per listing
        oms = {k: n for k, n in server.stats()["by_path"].items() if "/ginesys/" not in k}
        assert sum(oms.values()) == 1, oms
