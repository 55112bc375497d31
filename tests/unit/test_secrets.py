"""The text safety net and structural redaction: secrets hidden, output never corrupted."""

from __future__ import annotations

import json

from omsform.diff import build_plan
from omsform.plan import Plan
from omsform.render import render_json
from omsform.secrets import redact, redact_data, text_secrets, worth_redacting
from tests.fixtures.plan_kinds import make_desired, make_inputs

SECRET = "tok-5ec7e7-live"


def _plan_with_a_secret_url() -> Plan:
    url = f"https://x.test/hook?token={SECRET}"
    inputs = make_inputs(
        {
            "test_hook.orders": {"url": url, "_secret_paths": ["url"]},
            "test_location.ist": {"code": "IST", "priority": 3},
        },
        {"test_location": [{"id": 1, "fields": {"code": "IST", "priority": 2}}]},
    )
    return build_plan(inputs)


def test_redacting_plan_json_keeps_it_valid_json_and_numbers_intact() -> None:
    plan = _plan_with_a_secret_url()
    text = redact(render_json(plan), {"2", "3", "IST-LOCATION"})
    doc = json.loads(text)  # before the fix: `"after": (sensitive)3` was not JSON
    (update,) = [c for c in doc["changes"] if c["action"] == "~"]
    assert [(f["before"], f["after"]) for f in update["fields"]] == [(2, 3)]
    assert update["key"] == "IST"  # a short value is never replaced in text


def test_redacting_json_catches_a_secret_the_json_escapes() -> None:
    secret = 'pa"ss\\word'
    text = json.dumps({"message": f"rejected {secret}"}, indent=2) + "\n"
    assert secret not in text  # escaped in the JSON text: substituting in it would miss it
    out = redact(text, {secret})
    assert json.loads(out) == {"message": "rejected (sensitive)"}
    assert out.endswith("\n")


def test_plain_text_is_still_redacted_everywhere() -> None:
    assert redact("login failed for tok-1234567 (tok-1234567)", {"tok-1234567"}) == (
        "login failed for (sensitive) ((sensitive))"
    )
    assert redact("{not json tok-1234567", {"tok-1234567"}) == "{not json (sensitive)"


def test_redact_data_touches_strings_and_keys_only() -> None:
    data = {"k-secret-1": [1, "a k-secret-1 b", True, None], "n": 123456}
    assert redact_data(data, {"k-secret-1", "123456"}) == {
        "(sensitive)": [1, "a (sensitive) b", True, None],
        "n": 123456,
    }


def test_short_write_only_literals_are_left_to_structural_masking() -> None:
    assert not worth_redacting("2", literal=True)
    assert not worth_redacting("oms", literal=True)
    assert worth_redacting("hunter2-pw", literal=True)
    assert worth_redacting("ab", literal=False)  # from ${secret.…}: masks keys (redact_data)
    d = make_desired(
        "test_hook.orders",
        {
            "url": "https://x.test/?t=ab",
            "auth": {"user": "u", "token": "tk"},
            "endpoints": [{"name": "a", "secret": "long-literal-secret"}],
            "_secret_paths": ["url"],
        },
    )
    found = text_secrets(d.spec, d.secret_paths, ("auth.token", "endpoints[].secret"))
    assert found == {"https://x.test/?t=ab", "long-literal-secret"}


def test_a_natural_key_embedding_a_secret_is_masked_in_every_serialized_form() -> None:
    plan = _plan_with_a_secret_url()
    (create,) = [c for c in plan.changes if c.address == "test_hook.orders"]
    assert SECRET in create.key  # apply, in the same process, finds the object by it
    assert create.shown_key == "(sensitive)"
    assert SECRET not in plan.to_json() and SECRET not in plan.canonical()
    assert SECRET not in repr(plan)
    again = Plan.from_json(plan.to_json())  # the checksum covers the masked form
    assert again.checksum() == plan.checksum()
    assert next(c for c in again.changes if c.address == "test_hook.orders").key == "(sensitive)"
