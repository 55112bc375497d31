"""``ledger.json`` keeps its exact text (``json.dumps(doc, indent=2, sort_keys=True)``) though
it is no longer written by json's indenting encoder: reviewers diff it and older omsforms read
it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from omsform.apply.ledger_entry import LedgerEntry
from omsform.apply.ledger_text import indented_json, ledger_json

ENTRY = {
    "kind": "oms_webhook",
    "key": 'https://hooks.example.com/x?token=(sensitive) "quoted" \u00e9\u4e2d\n',
    "remote_id": 12,
    "fingerprints": {"auth.password": "scrypt:ab12", "headers.X-Key": "scrypt:cd34"},
    "applied": {"name": "sha256:0011", "active": "sha256:2233"},
}


@pytest.mark.parametrize(
    "doc",
    [
        {
            "format_version": 1,
            "salt": "00ff",
            "updated_at": "2026-12-07T02:00:00Z",
            "git_commit": "",
            "resources": {"oms_webhook.b": ENTRY, "oms_webhook.a": {**ENTRY, "remote_id": None}},
        },
        {"empty": {}, "none": [], "nested": [[], [{}], {"z": [1, 2.5, True, None, "s"]}]},
        {"numbers": {"big": 10**20, "float": 0.1, "negative": -3, "nan": float("nan")}},
        {"mixed": {"a": "x", "b": {"c": "y"}, "d": ["e"]}},
        {1: "non-string keys", 2: "json converts them"},
        [],
        "just a string",
    ],
)
def test_the_text_is_what_json_indent_2_writes(doc: Any) -> None:
    assert indented_json(doc) == json.dumps(doc, indent=2, sort_keys=True)


HEADER = {"format_version": 1, "salt": "00ff", "updated_at": "2026-12-07T02:00:00Z"}


def _entry(**changes: Any) -> LedgerEntry:
    fields = {**ENTRY, **changes}
    names = ("kind", "key", "remote_id", "fingerprints", "applied")
    return LedgerEntry(*(fields[name] for name in names))


@pytest.mark.parametrize(
    "entries",
    [
        [],
        [("oms_webhook.a", _entry()), ("oms_webhook.b", _entry(remote_id=None, applied={}))],
        [("a", _entry(remote_id="R-1", fingerprints={}, key=""))],
        [('\u00e9 "a"', _entry(applied={"x": 1, "y": None, "z": 2.5, "w": True}))],
        # what the file's own layout does not expect: laid out by the general writer
        [("a", _entry()), ("b", _entry(remote_id=1.5))],
        [("a", _entry(fingerprints={"p": {"nested": "x"}}))],
        [("a", _entry(applied={"p": ["x"]}))],
    ],
)
def test_a_whole_ledger_is_laid_out_as_json_indent_2_writes_it(
    entries: list[tuple[str, LedgerEntry]],
) -> None:
    doc = {**HEADER, "resources": {address: entry.as_json() for address, entry in entries}}
    assert ledger_json(HEADER, entries) == json.dumps(doc, indent=2, sort_keys=True)
