"""The ledger: salted slow fingerprints, atomic deterministic files, no secret in them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from pydantic import SecretStr

from omsform.apply.fingerprint import fingerprint
from omsform.apply.ledger import PENDING_NAME, Ledger
from omsform.errors import ConfigError


def test_fingerprints_are_stable_salted_and_never_the_value() -> None:
    salt = b"0123456789abcdef"
    first = fingerprint(salt, {"user": "u", "password": "hunter2-xyz"})
    assert first == fingerprint(salt, {"password": "hunter2-xyz", "user": "u"})  # key order
    assert first.startswith("scrypt:") and len(first) == len("scrypt:") + 64
    assert "hunter2" not in first
    assert first != fingerprint(b"another salt....", {"user": "u", "password": "hunter2-xyz"})
    assert first != fingerprint(salt, {"user": "u", "password": "hunter3-xyz"})
    assert fingerprint(salt, SecretStr("s")) == fingerprint(salt, "s")


def test_fingerprint_for_uses_the_ledger_salt_kept_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / ".omsform" / "ledger.json"
    ledger = Ledger.load(path)
    value = ledger.fingerprint_for("toy_item.a:password", "pw-1")
    ledger.record("toy_item.a", "toy_item", "a", 5, {"password": value})
    assert ledger.save()
    again = Ledger.load(path)
    assert again.fingerprint_for("toy_item.a:password", "pw-1") == value
    assert again.fingerprints() == {"toy_item.a": {"password": value}}
    assert again.known_addresses() == {"toy_item[a]": "toy_item.a", "toy_item#5": "toy_item.a"}
    assert Ledger.load(tmp_path / "other.json").fingerprint_for("toy_item.a:password", "pw-1") != (
        value
    )


def test_the_file_is_sorted_json_without_secrets_and_written_only_on_change(
    tmp_path: Path,
) -> None:
    path = tmp_path / ".omsform" / "ledger.json"
    ledger = Ledger.load(path)
    for name in ("b", "a"):
        prints = {"password": ledger.fingerprint_for(f"toy_item.{name}:password", "secret-pw")}
        ledger.record(f"toy_item.{name}", "toy_item", name, 1, prints)
    ledger.save()
    text = path.read_text()
    assert "secret-pw" not in text
    doc = json.loads(text)
    assert list(doc["resources"]) == ["toy_item.a", "toy_item.b"]
    assert text == json.dumps(doc, indent=2, sort_keys=True) + "\n"
    assert [p.name for p in path.parent.iterdir()] == ["ledger.json"]  # no temp or pending file
    again = Ledger.load(path)
    again.record("toy_item.a", "toy_item", "a", 1, doc["resources"]["toy_item.a"]["fingerprints"])
    assert not again.save()  # nothing changed: the file (and its git diff) stays as it was
    again.remove("toy_item.b")
    assert again.save() and list(json.loads(path.read_text())["resources"]) == ["toy_item.a"]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_commit_of_the_brand_repository_is_recorded(tmp_path: Path) -> None:
    ledger = Ledger.load(tmp_path / ".omsform" / "ledger.json")
    ledger.record("k.a", "k", "a", 1, {})
    ledger.save()
    assert ledger.git_commit == ""  # not a repository: silently nothing
    git = ["git", "-C", str(tmp_path), "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "x"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    ledger.record("k.b", "k", "b", 2, {})
    ledger.save()
    assert json.loads((tmp_path / ".omsform" / "ledger.json").read_text())["git_commit"] == (
        head.strip()
    )


def test_a_ledger_with_a_merge_conflict_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "ledger.json"
    path.write_text("<<<<<<< HEAD\n{}\n=======\n{}\n>>>>>>> branch\n")
    with pytest.raises(ConfigError) as caught:
        Ledger.load(path)
    assert "merge conflict" in str(caught.value.problems[0])


def test_a_key_embedding_a_secret_is_stored_masked_and_found_again_by_id(tmp_path: Path) -> None:
    path = tmp_path / ".omsform" / "ledger.json"
    secret = "tok-9f8e7d6c"
    key = f"order.created|https://x.test/hook?token={secret}"
    ledger = Ledger.load(path, secrets={secret})
    ledger.record("oms_webhook.orders", "oms_webhook", key, 17, {})
    ledger.record("oms_webhook.plain", "oms_webhook", "order.created|https://x.test/p", 18, {})
    ledger.save()
    text = path.read_text()
    assert secret not in text
    entry = json.loads(text)["resources"]["oms_webhook.orders"]
    assert entry["key"] == "order.created|https://x.test/hook?token=(sensitive)"
    known = Ledger.load(path).known_addresses()
    assert known["oms_webhook#17"] == "oms_webhook.orders"
    assert known["oms_webhook[order.created|https://x.test/p]"] == "oms_webhook.plain"


def test_a_ledger_written_with_a_secret_key_is_cleaned_on_the_next_save(tmp_path: Path) -> None:
    path = tmp_path / ".omsform" / "ledger.json"
    old = Ledger.load(path)
    old.record("oms_webhook.orders", "oms_webhook", "https://x.test/?t=tok-9f8e7d6c", 17, {})
    old.save()
    cleaned = Ledger.load(path, secrets={"tok-9f8e7d6c"})
    assert cleaned.save()
    assert "tok-9f8e7d6c" not in path.read_text()


def test_each_record_is_durable_before_save_and_save_folds_it_in(tmp_path: Path) -> None:
    path = tmp_path / ".omsform" / "ledger.json"
    ledger = Ledger.load(path)  # no file yet: a fresh salt, kept in each pending record
    value = ledger.fingerprint_for("toy_item.a:password", "pw-1")
    ledger.record("toy_item.a", "toy_item", "a", 5, {"password": value})
    ledger.record("toy_item.b", "toy_item", "b", 6, {})
    ledger.remove("toy_item.b")
    pending = path.with_name(PENDING_NAME)
    assert not path.exists() and pending.exists()  # killed here: nothing saved yet
    with pending.open("a") as handle:
        handle.write('{"address": "toy_item.c", "ent')  # torn by the kill

    again = Ledger.load(path)
    assert again.fingerprints() == {"toy_item.a": {"password": value}}
    assert again.fingerprint_for("toy_item.a:password", "pw-1") == value  # same salt
    again.record("toy_item.d", "toy_item", "d", 7, {})  # appended after the torn line
    assert sorted(Ledger.load(path).entries) == ["toy_item.a", "toy_item.d"]
    assert again.save() and not pending.exists()
    assert sorted(Ledger.load(path).entries) == ["toy_item.a", "toy_item.d"]


def test_pending_records_under_another_salt_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / ".omsform" / "ledger.json"
    old = Ledger.load(path)
    old.record("toy_item.a", "toy_item", "a", 1, {})
    old.save()
    stray = Ledger.load(tmp_path / "elsewhere" / "ledger.json")
    stray.record("toy_item.x", "toy_item", "x", 9, {})
    path.with_name(PENDING_NAME).write_text(stray.pending.read_text())
    assert sorted(Ledger.load(path).entries) == ["toy_item.a"]


def test_a_fresh_ledgers_salt_is_on_disk_before_anything_is_hashed_with_it(
    tmp_path: Path,
) -> None:
    """A create's journal intent carries fingerprints made under the salt, so the salt must be
    forced to disk (not only written) before them: a machine crash would orphan them."""
    ledger = Ledger.load(tmp_path / ".omsform" / "ledger.json")
    ledger.keep_salt()
    pending = (ledger.path.parent / PENDING_NAME).read_text().splitlines()
    assert [json.loads(line) for line in pending] == [{"salt": ledger.salt.hex()}]
    assert ledger.log.fsyncs == 1
    ledger.keep_salt()  # kept once: no second line, and no fsync it does not need
    assert ledger.log.fsyncs == 1
    assert (ledger.path.parent / PENDING_NAME).read_text().splitlines() == pending
    ledger.log.close()
