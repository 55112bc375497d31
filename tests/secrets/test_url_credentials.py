"""Credential query parameters in URLs (``?token=…``) are masked wherever omsform shows or
stores a URL, even when omsform cannot name the secret (a live webhook's token after a
rotation), and ``import`` writes them as generated ``${secret.NAME}`` references."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from omsform.adopt.importer import build_files
from omsform.apply.ledger import Ledger
from omsform.plan.build import build_plan
from omsform.plan.model import Plan
from omsform.plan.render import render_json, render_text
from omsform.secrets.keyprint import masked_key
from omsform.secrets.mask import (
    CREDENTIAL_PARAMS,
    mask_url_credentials,
    redact,
    redact_data,
    url_credentials,
)
from tests.fixtures.kinds import PLAN_KINDS, make_inputs, make_remote

OLD = "cnryOldToken0123456789"


@pytest.mark.parametrize("name", sorted(CREDENTIAL_PARAMS))
def test_every_credential_parameter_is_masked_whatever_its_case(name: str) -> None:
    for shown in (name, name.upper()):
        url = f"https://x.test/hook?a=1&{shown}={OLD}&b=2#top"
        assert mask_url_credentials(url) == f"https://x.test/hook?a=1&{shown}=(sensitive)&b=2#top"
        assert url_credentials(url) == (OLD,)


def test_other_parameters_masked_values_and_references_are_left_alone() -> None:
    for text in (
        "https://x.test/hook?page=2&event=order.created",
        "https://x.test/hook?token=(sensitive)",
        "https://x.test/hook?token=${secret.HOOK_TOKEN}",
        "https://x.test/hook?token=$${literal}",
        "a tokenizer=keyed word, key = value",
    ):
        assert mask_url_credentials(text) == text
        assert url_credentials(text) == ()


def test_a_url_inside_text_json_and_quotes_keeps_what_surrounds_it() -> None:
    text = f'failed: "/hooks/ready?token={OLD}" (id 4); see https://x.test/?sig={OLD}.\n'
    assert mask_url_credentials(text) == (
        'failed: "/hooks/ready?token=(sensitive)" (id 4); see https://x.test/?sig=(sensitive).\n'
    )
    doc = json.dumps({"url": f"https://x.test/?key={OLD}", "n": 2}, indent=2)
    shown = redact(doc, ())  # no known secret: the URL credential still goes
    assert OLD not in shown and json.loads(shown)["url"] == "https://x.test/?key=(sensitive)"


def test_redaction_masks_url_credentials_without_any_known_secret() -> None:
    assert redact(f"DELETE /hooks?token={OLD}", ()) == "DELETE /hooks?token=(sensitive)"
    assert redact_data({"k": [f"/h?pass={OLD}"]}, ()) == {"k": ["/h?pass=(sensitive)"]}
    assert masked_key(f"/h?token={OLD}", ()) == "/h?token=(sensitive)"


def _plan_with_an_unnamed_live_token() -> Plan:
    """The declared hook's token was rotated: the live hook still holds the old one, which no
    known secret names (it is deleted as undeclared, the kind being pruned)."""
    inputs = make_inputs(
        {
            "test_hook.orders": {
                "url": "https://x.test/hook?token=NEW-secret-1",
                "_secret_paths": ["url"],
            }
        },
        {"test_hook": [{"id": 7, "fields": {"url": f"https://x.test/hook?token={OLD}"}}]},
        prune=("test_hook",),
    )
    return build_plan(inputs)


def test_a_live_key_with_an_unnamed_token_is_masked_in_every_plan_form() -> None:
    plan = _plan_with_an_unnamed_live_token()
    gone = next(c for c in plan.changes if c.remote_id == 7)
    assert gone.key.endswith(OLD)  # the real key stays in memory: apply still finds it
    for text in (plan.to_json(), render_json(plan), render_text(plan, color=False)):
        assert OLD not in text
    assert "https://x.test/hook?token=(sensitive)" in plan.to_json()
    again = Plan.from_json(plan.to_json())  # checksum still verifies
    assert OLD not in again.to_json()


def test_unmanaged_notes_mask_an_unnamed_token() -> None:
    inputs = make_inputs(
        {"test_hook.orders": {"url": "https://x.test/a"}},
        {"test_hook": [{"id": 7, "fields": {"url": f"https://x.test/b?token={OLD}"}}]},
    )
    plan = build_plan(inputs)
    assert plan.notes and OLD in plan.notes[0].message  # in memory, as read
    assert OLD not in plan.to_json() and OLD not in render_json(plan)
    assert OLD not in redact(render_text(plan, color=False), ())


def test_the_ledger_never_stores_a_live_url_credential(tmp_path: Path) -> None:
    ledger = Ledger.load(tmp_path / "ledger.json")
    ledger.record("test_hook.x", "test_hook", f"https://x.test/h?token={OLD}", 7, {})
    ledger.save()
    written = "".join(p.read_text() for p in tmp_path.rglob("*") if p.is_file())
    assert OLD not in written and "token=(sensitive)" in written
    assert Ledger.load(tmp_path / "ledger.json").known_addresses()["test_hook#7"] == "test_hook.x"


def test_import_writes_an_unnamed_url_token_as_a_generated_secret() -> None:
    remote = make_remote(
        "test_hook", {"id": 7, "fields": {"url": f"https://x.test/h?a=1&token={OLD}"}}
    )
    built = build_files({"test_hook": [remote]}, PLAN_KINDS, brand="acme")
    text = "".join(built.files.values())
    assert OLD not in text and OLD not in json.dumps([s.key for s in built.skipped])
    assert "https://x.test/h?a=1&token=${secret.ACME_HOOK_" in text
    names = [v.name for v in built.env if v.secret]
    assert len(names) == 1 and "${secret." + names[0] + "}" in text


def test_import_names_a_known_url_token_instead_of_generating_one() -> None:
    remote = make_remote("test_hook", {"id": 7, "fields": {"url": f"https://x.test/h?token={OLD}"}})
    built = build_files(
        {"test_hook": [remote]}, PLAN_KINDS, brand="acme", known_secrets={"HOOK": OLD}
    )
    text = "".join(built.files.values())
    assert "token=${secret.HOOK}" in text and OLD not in text
    assert [v.name for v in built.env] == ["HOOK"]
