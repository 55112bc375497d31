"""The text safety net and structural redaction: secrets hidden, output never corrupted."""

from __future__ import annotations

import json

from omsform.plan.build import build_plan
from omsform.plan.model import Plan
from omsform.plan.render import render_json
from omsform.secrets.mask import redact, redact_data, replace_secrets, text_secrets, worth_redacting
from tests.fixtures.kinds import make_desired, make_inputs

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


def test_only_whole_values_are_replaced_so_ordinary_words_stay_intact() -> None:
    secret = "tablet"
    assert redact("a tablet, tablets, notablet, tablet.", {secret}) == (
        "a (sensitive), tablets, notablet, (sensitive)."
    )
    assert redact("token=tablet&x=1 /tablet/", {secret}) == "token=(sensitive)&x=1 /(sensitive)/"
    # a value that starts or ends with a non-word character needs no boundary on that side
    assert redact("x-+sec+-y", {"+sec+-y"}) == "x-(sensitive)"


def test_secrets_shorter_than_six_characters_are_never_replaced_in_text() -> None:
    text = "Plan: 0 to create, 2 to update; an analysis of changes"
    assert redact(text, {"0", "2", "an", "to", "ch"}) == text  # before: garbled everywhere
    assert redact_data({"key": "ev|an"}, {"an"}) == {"key": "ev|(sensitive)"}  # keys: by field


def test_a_multi_line_secret_is_found_re_indented_or_collapsed_onto_one_line() -> None:
    secret = "-----BEGIN KEY-----\n  bG9uZy1rZXk=  part2\n-----END KEY-----"
    for shown in (
        secret,
        secret.replace("\n", "\r\n"),
        " ".join(secret.split()),  # what a summary that collapses whitespace prints
        secret.replace("\n  ", "\n        "),
    ):
        assert redact(f"rejected: {shown}; retry", {secret}) == "rejected: (sensitive); retry"
    # a secret read from a file ends with a newline the echo may not have
    assert redact(f"rejected: {secret}.", {secret + "\n"}) == "rejected: (sensitive)."


def test_encoded_forms_and_secrets_inside_encoded_text_are_found() -> None:
    secret = "s3cr3t value/+"
    assert redact("u=s3cr3t%20value%2F%2B", {secret}) == "u=(sensitive)"
    assert redact("u=s3cr3t+value%2F%2B", {secret}) == "u=(sensitive)"
    assert redact(json.dumps({"a": [1]}) + " " + json.dumps("s3cr3t value/+"), {secret}) == (
        '{"a": [1]} "(sensitive)"'
    )
    token = "tok123456"
    nested = "next=https%3A%2F%2Fx.test%2F%3Ftoken%3Dtok123456%26a%3D1"
    assert redact(nested, {token}) == "next=https%3A%2F%2Fx.test%2F%3Ftoken%3D(sensitive)%26a%3D1"
    assert redact('"line\\ntok123456"', {token}) == '"line\\n(sensitive)"'


def test_import_replaces_whole_values_with_their_reference() -> None:
    refs = {"tok123456": "${secret.T}", "ab": "${secret.S}"}
    assert replace_secrets("https://x.test/?token=tok123456&v=ab", refs) == (
        "https://x.test/?token=${secret.T}&v=ab"
    )
    assert replace_secrets("ab", refs) == "${secret.S}"  # short: only as the whole value
    assert replace_secrets("xtok123456", refs) == "xtok123456"
