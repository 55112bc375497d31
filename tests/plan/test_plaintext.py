"""Text plans without colour are made without rich: the text is exactly rich's, also where rich
rewrites characters (a tab, a carriage return) and for long lines it must not wrap."""

from __future__ import annotations

import pytest

from omsform.plan.model import Action, Change, FieldChange, Note, Plan, Summary
from omsform.plan.plaintext import PlainConsole, PlainText, export, rich_console
from omsform.plan.render import _text_body, render_text


def _rich_text(plan: Plan) -> str:
    from rich.text import Text

    console = rich_console(False, 100)
    _text_body(console, Text, plan)
    return export(console, False) + "\n"


def _plan(value: str) -> Plan:
    change = Change(
        address="test_location.ist",
        kind="test_location",
        provider="test",
        action=Action.UPDATE,
        key="IST",
        reason="because " + "long " * 40,
        fields=(FieldChange(path="name", before="old", after=value),),
    )
    note = Note(category="warning", address="test_location[OLD]", message=f"kept: {value}")
    return Plan(
        brand="demo",
        changes=(change,),
        notes=(note,),
        summary=Summary.of([change], 3),
        complete=False,
        left_out=("test_hook",),
        changed_since="HEAD~1",
    )


@pytest.mark.parametrize(
    "value", ["plain", "ünïcödé 名前 ✓", "a\tb", "carriage\rreturn", "bell\x07", "  spaces  "]
)
def test_the_text_without_colour_is_the_one_rich_makes(value: str) -> None:
    assert render_text(_plan(value), color=False) == _rich_text(_plan(value))


def test_text_rich_would_rewrite_is_left_to_rich() -> None:
    console = PlainConsole()
    console.print(PlainText("a"))
    assert not console.needs_rich
    console.print(PlainText("x").append("\tb"))
    assert console.needs_rich


def test_no_changes_read_the_same_without_rich() -> None:
    plan = Plan(brand="demo")
    assert render_text(plan, color=False) == _rich_text(plan)
