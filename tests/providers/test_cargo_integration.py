"""Contract tests for ``oms_cargo_integration`` against the sandbox: demo clients and real
carriers, credentials in ``conf`` write-only (masked by the API), the set-up guide's rules
checked when the brand is loaded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from omsform.errors import ConfigError
from omsform.plan.render import render_text
from tests.harness import BrandHarness, actions

SECRETS = {"YK_PASSWORD": "canary-yk-pw-0c4f", "YK_TOKEN": "canary-yk-token-88aa"}
CARGO = """\
    oms_cargo_integration:
      demo:
        erp_code: DEMO
        name: Demo Cargo
        shipping_company: demo
        is_demo_client: true
        conf: {klass: oms.shipments.clients.demo_client.FastDemo}
      yurtici:
        erp_code: YK
        name: Yurtiçi Kargo
        shipping_company: yurtici
        conf:
          username: acme
          password: "${secret.YK_PASSWORD}"
          customer_code: C-1
          auth: {token: "${secret.YK_TOKEN}", type: bearer}
    """


def _stored(h: BrandHarness, erp_code: str) -> dict[str, Any]:
    """The object as the sandbox stores it (credentials in clear)."""
    rows = h.raw.get("/_sandbox/objects/cargo_companies").json()
    return next(row for row in rows if row["erp_code"] == erp_code)


def test_create_update_rotate_delete(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path, env=SECRETS)
    h.config(prune=("oms_cargo_integration",))
    h.write({"cargo.yaml": CARGO})
    plan = h.plan()
    assert actions(plan) == {
        "oms_cargo_integration.demo": "+",
        "oms_cargo_integration.yurtici": "+",
    }
    sensitive = [f.path for c in plan.changes for f in c.fields if f.sensitive]
    assert sensitive == ["conf.auth.token", "conf.password"]
    h.converge()  # masked credentials read back as no change
    assert _stored(h, "YK")["conf"]["auth"] == {"token": SECRETS["YK_TOKEN"], "type": "bearer"}

    # a non-secret conf change rewrites conf whole: the credentials must survive it
    h.write({"cargo.yaml": CARGO.replace("C-1", "C-2")})
    plan = h.plan()
    assert [(c.address, [f.path for f in c.fields]) for c in plan.changes] == [
        ("oms_cargo_integration.yurtici", ["conf.customer_code"])
    ]
    h.converge()
    assert _stored(h, "YK")["conf"]["password"] == SECRETS["YK_PASSWORD"]

    h.env["YK_TOKEN"] = "canary-rotated-token"
    plan = h.plan()
    assert [(f.path, f.before, f.after) for f in plan.changes[0].fields] == [
        ("conf.auth.token", "(sensitive)", "(sensitive)")
    ]
    assert "canary" not in plan.to_json() + render_text(plan, color=False)
    h.converge()
    assert _stored(h, "YK")["conf"]["auth"]["token"] == "canary-rotated-token"

    h.write({"cargo.yaml": CARGO.split("      yurtici:")[0].replace("Demo Cargo", "Demo 2")})
    plan = h.plan()
    assert actions(plan) == {
        "oms_cargo_integration.demo": "~",
        "oms_cargo_integration.yurtici": "-",
    }
    h.converge()


def test_a_credential_changed_by_a_person_is_no_noise_and_refresh_secrets_resends_it(
    tmp_path: Path,
) -> None:
    h = BrandHarness(tmp_path, env=SECRETS)
    h.write({"cargo.yaml": CARGO})
    h.converge()
    yk = _stored(h, "YK")
    conf = {**yk["conf"], "password": "typed-in-the-ui"}
    h.raw.patch(f"/_sandbox/objects/cargo_companies/{yk['id']}", json={"conf": conf})
    # the API masks it, so it cannot be compared: no change, no noise
    assert not h.plan().has_changes
    # without the ledger the credentials are unverified and `--refresh-secrets` sends them
    (h.path / ".omsform" / "ledger.json").unlink()
    plan = h.plan()
    assert not plan.has_changes
    assert [n.message.split(":")[0] for n in plan.notes if n.category == "unverified"] == [
        "conf.password, conf.auth.token"
    ]
    plan, report = h.apply(refresh_secrets=True)
    assert actions(plan) == {"oms_cargo_integration.yurtici": "~"}
    assert report is not None and report.ok
    assert _stored(h, "YK")["conf"]["password"] == SECRETS["YK_PASSWORD"]
    assert not h.plan().has_changes


def test_a_carrier_not_managed_by_oms_needs_no_credentials(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write(
        {
            "cargo.yaml": "oms_cargo_integration:\n  own:\n    erp_code: OWN\n    name: Own\n"
            "    shipping_company: own-fleet\n    is_managed_by_oms: false\n    conf: null\n"
        }
    )
    h.converge()


@pytest.mark.parametrize(
    ("edit", "expected", "where"),
    [
        (
            ("FastDemo}", "FastDemo, password: x}"),
            "a demo client takes no credentials: remove conf.password",
            "cargo.yaml:2:3 (oms_cargo_integration.demo)",
        ),
        (
            ("{klass: oms.shipments.clients.demo_client.FastDemo}", "{}"),
            "a demo client needs",
            "cargo.yaml:2:3 (oms_cargo_integration.demo)",
        ),
        (  # a rule whose message starts with a field is shown at that field
            ("is_demo_client: true", "is_demo_client: false"),
            "names a demo client",
            "cargo.yaml:7:11 (oms_cargo_integration.demo)",
        ),
    ],
    ids=["demo-with-credentials", "demo-without-klass", "demo-klass-not-demo"],
)
def test_the_demo_client_rules_are_checked_where_written(
    tmp_path: Path, edit: tuple[str, str], expected: str, where: str
) -> None:
    h = BrandHarness(tmp_path, env=SECRETS)
    h.write({"cargo.yaml": CARGO.replace(*edit)})
    with pytest.raises(ConfigError) as err:
        h.load()
    (problem,) = err.value.problems
    assert where in str(problem)
    assert expected in problem.message and "got a map" not in problem.message


@pytest.mark.parametrize(
    ("conf", "expected"),
    [
        ("{username: acme}", "a real carrier managed by OMS needs credentials"),
        ("{password: ''}", "a real carrier managed by OMS needs credentials"),
        ("{accounts: [{password: x}]}", "credential conf.accounts[0].password must sit directly"),
        ("{Password: x}", "credential conf.Password must sit directly"),
    ],
)
def test_credentials_of_a_real_carrier_are_checked(
    tmp_path: Path, conf: str, expected: str
) -> None:
    h = BrandHarness(tmp_path)
    h.write(
        {
            "cargo.yaml": "oms_cargo_integration:\n  yk:\n    erp_code: YK\n    name: YK\n"
            f"    shipping_company: yurtici\n    conf: {conf}\n"
        }
    )
    with pytest.raises(ConfigError) as err:
        h.load()
    (problem,) = err.value.problems
    assert "cargo.yaml:2:3 (oms_cargo_integration.yk)" in str(problem)
    assert expected in problem.message
    assert "canary" not in str(problem)
