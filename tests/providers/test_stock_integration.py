"""Contract tests for ``oms_stock_integration`` against the sandbox: a singleton configured by
one execute call, its engine type checked at plan time, its password write-only."""

from __future__ import annotations

from pathlib import Path

import pytest

from omsform.errors import ConfigError, PlanError
from tests.harness import BrandHarness, actions

SECRETS = {"STOCK_PW": "canary-stock-pw-5d1e"}
STOCK = """\
    oms_stock_integration:
      default:
        url: https://stock.acme.example/api/query/
        stock_engine_type: basic_auth
        username: oms
        password: "${secret.STOCK_PW}"
    """
CURRENT = "/api/v1/oms/setup/product-stock-integration/"


def test_configure_then_change_then_rotate_the_password(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path, env=SECRETS)
    h.write({"stock.yaml": STOCK})
    plan = h.plan()
    assert actions(plan) == {"oms_stock_integration.default": "+"}
    fields = {f.path: f.after for f in plan.changes[0].fields}
    assert fields["password"] == "(sensitive)" and fields["stock_engine_type"] == "basic_auth"
    h.converge()
    live = h.raw.get(CURRENT).json()
    assert live["url"] == "https://stock.acme.example/api/query/"
    assert live["password"] == "********"

    h.write({"stock.yaml": STOCK.replace("api/query/", "api/v2/query/")})
    plan = h.plan()
    assert [(f.path, f.before, f.after) for f in plan.changes[0].fields] == [
        ("url", "https://stock.acme.example/api/query/", "https://stock.acme.example/api/v2/query/")
    ]
    h.converge()

    # the API never shows the password: a rotation is found through the ledger's fingerprint
    h.env["STOCK_PW"] = "canary-rotated-stock-pw"
    plan = h.plan()
    assert [(c.address, [(f.path, f.sensitive) for f in c.fields]) for c in plan.changes] == [
        ("oms_stock_integration.default", [("password", True)])
    ]
    assert "canary" not in plan.to_json()
    h.converge()

    # there is no delete: removing it from the YAML plans nothing
    h.write({})
    assert not h.plan().has_changes


def test_an_engine_type_the_oms_does_not_offer_fails_the_plan_naming_the_choices(
    tmp_path: Path,
) -> None:
    h = BrandHarness(tmp_path, env=SECRETS)
    h.write({"stock.yaml": STOCK.replace("basic_auth", "oauth2")})
    with pytest.raises(PlanError) as err:
        h.plan()
    text = str(err.value)
    assert "oms_stock_integration.default: stock_engine_type 'oauth2' is not one" in text
    assert "choose one of anonymous, basic_auth, token" in text
    assert "stock.yaml:2" in text
    assert h.stats()["by_method"].get("POST", 0) == 0


def test_an_anonymous_engine_needs_no_credentials_and_converges(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write(
        {
            "stock.yaml": "oms_stock_integration:\n  main:\n"
            "    url: http://stock.internal/q\n    stock_engine_type: anonymous\n"
            "    username: ''\n"
            "    password: ''\n"
        }
    )
    h.converge()
    assert h.raw.get(CURRENT).json()["password"] is None
    # a person re-configures it by hand: the drift shows and is repaired
    h.raw.post(
        CURRENT + "execute/", json={"url": "http://other/q", "stock_engine_type": "anonymous"}
    )
    plan = h.plan()
    assert [(f.path, f.before) for f in plan.changes[0].fields] == [("url", "http://other/q")]
    h.converge()


def test_without_a_ledger_the_password_is_unverified_not_changed(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path, env=SECRETS)
    h.write({"stock.yaml": STOCK})
    h.converge()
    (h.path / ".omsform" / "ledger.json").unlink()
    plan = h.plan()
    assert not plan.has_changes
    assert [(n.category, n.address) for n in plan.notes] == [
        ("unverified", "oms_stock_integration.default")
    ]


def test_one_integration_only_and_credentials_go_together(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path, env=SECRETS)
    second = "  other: {url: 'https://x.example/q', stock_engine_type: anonymous}\n"
    h.write({"stock.yaml": STOCK + second})
    with pytest.raises(ConfigError) as err:
        h.load()
    assert any("duplicate natural key 'default'" in str(p) for p in err.value.problems)

    h.write({"stock.yaml": STOCK.replace('    password: "${secret.STOCK_PW}"\n', "")})
    with pytest.raises(ConfigError) as err:
        h.load()
    (problem,) = err.value.problems
    assert "stock.yaml:2" in str(problem)
    assert "give `username` and `password` together" in problem.message

    h.write({"stock.yaml": STOCK.replace("https://stock.acme.example", "ftp://stock")})
    with pytest.raises(ConfigError) as err:
        h.load()
    (problem,) = err.value.problems
    assert "stock.yaml:3" in str(problem)
    assert "must be an http:// or https:// URL" in problem.message
