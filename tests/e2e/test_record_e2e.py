"""``--record DIR`` (doctor and plan) against a served sandbox with a login: the cassette holds
the exchanges but no token, no password, no cookie and none of the brand's secret values
(canaries), and the recording replays through the contract test's read path."""

from __future__ import annotations

from pathlib import Path

from tests.contract.replay import replay_plan
from tests.e2e.conftest import Cli, Server, copy_demo, default_secrets, demo_env

LOGIN_PASSWORD = "sandbox-admin"  # the served sandbox's documented login


def _login_brand(tmp_path: Path) -> Path:
    brand = copy_demo(tmp_path / "demo")
    config = brand / "omsform.yaml"
    config.write_text(
        config.read_text().replace(
            "    token: ${secret.DEMO_OMS_TOKEN}\n",
            "    username: admin\n    password: ${secret.DEMO_OMS_PASSWORD}\n",
        )
    )
    return brand


def test_recordings_hold_no_credential_or_secret_and_replay(tmp_path: Path, server: Server) -> None:
    brand = _login_brand(tmp_path)
    secrets = default_secrets(brand)
    cli = Cli(brand, demo_env(brand, server, secrets))
    cli.env["DEMO_OMS_PASSWORD"] = LOGIN_PASSWORD
    assert cli("apply", str(brand), "--auto-approve").code == 0

    doctor_dir, plan_dir = tmp_path / "doctor-rec", tmp_path / "plan-rec"
    assert cli("doctor", str(brand), "--record", str(doctor_dir)).code == 0
    planned = cli("plan", str(brand), "--record", str(plan_dir), "--detailed-exitcode")
    assert planned.code == 0, str(planned)

    canaries = {server.token, LOGIN_PASSWORD, *secrets.values()}
    for directory in (doctor_dir, plan_dir):
        files = [p for p in directory.rglob("*") if p.is_file()]
        assert any(p.name == "cassette.yaml" for p in files)
        for path in files:
            text = path.read_text()
            leaked = sorted(c for c in canaries if c in text)
            assert not leaked, f"{path} holds {leaked}"
            assert "set-cookie" not in text.lower() and "authorization" not in text.lower()
    cassette = (plan_dir / "cassette.yaml").read_text()
    assert "/api/v1/auth/login/" in cassette
    assert "(sensitive)" in cassette

    replayed = replay_plan(plan_dir)
    assert not replayed.has_changes
