"""Text, JSON and Markdown from the same :class:`~omsform.plan.Plan`, and the apply report.

Sensitive fields show as ``(sensitive)`` (a create) or ``(sensitive value changed)`` (also
``… added`` / ``… removed`` when one side is absent); the plan holds no secret values to begin
with, so nothing here can leak one.

**Plan JSON** (``plan -o plan.json``, ``plan --format json``), ``format_version`` 1. Keys are
sorted, so equal plans are byte-identical:

- ``format_version`` (int): 1. ``checksum`` (str): sha256 of the canonical JSON of every other
  key (sorted keys, no spaces); ``apply --checksum`` compares it, editing the file breaks it.
- ``brand``, ``brand_dir`` (str), ``config_digest`` (str): digest of the brand's configuration;
  apply refuses a plan made from another configuration.
- ``changes`` (list, in apply order), each with: ``address`` (``kind.name``, or ``kind[key]``
  for an undeclared object), ``kind``, ``key`` (natural key; a part that came from
  ``${secret.…}`` shows as ``(sensitive)``), ``key_fingerprint`` (only when the key embeds a
  secret: ``hmac-scrypt:<salt>:<mac>``, by which apply recognises the real key,
  :mod:`omsform.keyprint`), ``provider``, ``action``
  (``+`` create, ``~`` update, ``-/+`` replace, ``-`` delete, ``»`` run, ``!`` manual),
  ``remote_id`` (server id, null for a create), ``fields`` (list of ``path``, ``before``,
  ``after``, ``sensitive``, ``forces_replace``; values are JSON, ``"(sensitive)"`` when masked;
  a delete lists what the object holds, ``after`` null),
  ``reason`` (for people), ``precondition`` (the object's fingerprint as read; null for a
  create), ``depends_on`` (addresses of changes that must succeed first), ``level`` (changes of
  one level may run concurrently; levels run in order), ``kept`` (an update's open maps → the
  live keys the YAML does not declare, with their live values: apply sends them back merged
  with the declared keys, see :mod:`omsform.openmaps`).
- ``notes`` (list of ``category`` — ``unmanaged``, ``unverified``, ``warning``, ``info`` —,
  ``address`` (a kind for kind-wide notes), ``message``).
- ``summary``: counts ``create``, ``update``, ``replace``, ``delete``, ``run``, ``manual``,
  ``unchanged``.
"""

from __future__ import annotations

import html
import io
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from rich.console import Console
from rich.text import Text

from omsform.plan import SENSITIVE, Action, Change, FieldChange, Note, Plan
from omsform.report import ApplyReport

NO_CHANGES = "No changes. The live systems match the configuration."
CHANGED = "(sensitive value changed)"
ADDED = "(sensitive value added)"
REMOVED = "(sensitive value removed)"

_STYLE = {
    Action.CREATE: "green",
    Action.UPDATE: "yellow",
    Action.REPLACE: "magenta",
    Action.DELETE: "red",
    Action.RUN: "cyan",
    Action.MANUAL: "bold red",
}
_NOTE_TITLES = {"unmanaged": "Unmanaged", "unverified": "Unverified", "warning": "Warnings"}


# --- shared wording ------------------------------------------------------------------------------
def format_value(value: Any) -> str:
    """A field value as JSON (strings quoted, ``null`` for absent)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def field_text(change: Change, field: FieldChange) -> str:
    """``path: before → after`` (``path: after`` in a create, ``path: before`` in a delete),
    sensitive values masked."""
    if change.action in (Action.CREATE, Action.DELETE):
        value = field.after if change.action is Action.CREATE else field.before
        shown = SENSITIVE if field.sensitive else format_value(value)
    elif field.sensitive:
        shown = ADDED if field.before is None else REMOVED if field.after is None else CHANGED
    else:
        shown = f"{format_value(field.before)} → {format_value(field.after)}"
    replaced = "immutable" if change.action is Action.MANUAL else "forces replacement"
    suffix = f"  # {replaced}" if field.forces_replace else ""
    return f"{field.path}: {shown}{suffix}"


_MEANING = {
    Action.CREATE: "create",
    Action.UPDATE: "update in place",
    Action.REPLACE: "replace (delete, then create)",
    Action.DELETE: "delete",
    Action.RUN: "run",
    Action.MANUAL: "manual (do it by hand)",
}


def legend(plan: Plan) -> str:
    """``Symbols: + create, ~ update in place``: the symbols this plan uses, in a fixed order."""
    used = {c.action for c in plan.changes}
    return "Symbols: " + ", ".join(f"{a.value} {_MEANING[a]}" for a in Action if a in used)


def field_lines(change: Change, field: FieldChange) -> list[str]:
    """:func:`field_text`, except that a nested value a create sets or a delete removes is an
    indented YAML-like block under ``path:`` instead of one long JSON line."""
    if change.action in (Action.CREATE, Action.DELETE) and not field.sensitive:
        value = field.after if change.action is Action.CREATE else field.before
        if _nested(value):
            return [f"{field.path}:", *_block(value, 2)]
    return [field_text(change, field)]


def _nested(value: Any) -> bool:
    return isinstance(value, dict | list) and bool(value)


def _block(value: Any, indent: int) -> list[str]:
    """``value`` (a non-empty mapping or list) as YAML-like lines; scalars as JSON."""
    pad, lines = " " * indent, []
    if isinstance(value, dict):
        for name in sorted(value):
            item = value[name]
            if _nested(item):
                lines += [f"{pad}{name}:", *_block(item, indent + 2)]
            else:
                lines.append(f"{pad}{name}: {format_value(item)}")
        return lines
    for item in value:
        if _nested(item):
            inner = _block(item, indent + 2)
            lines += [f"{pad}- {inner[0].lstrip()}", *inner[1:]]
        else:
            lines.append(f"{pad}- {format_value(item)}")
    return lines


def render_selection_warning(targets: Iterable[str], excludes: Iterable[str]) -> str:
    """The banner shown when ``--target``/``--exclude`` narrow a plan ("" when neither does)."""
    flags = [f"--target '{t}'" for t in targets] + [f"--exclude '{e}'" for e in excludes]
    if not flags:
        return ""
    return (
        f"Warning: only part of the brand is planned ({', '.join(flags)}). Other changes the "
        "live systems need are not shown; run plan without these options before relying on "
        "the brand being in sync."
    )


def _heading(change: Change) -> str:
    return f"{change.action.value} {change.address}"


def _notes_by_title(notes: Iterable[Note]) -> dict[str, list[Note]]:
    grouped: dict[str, list[Note]] = {}
    for note in notes:
        grouped.setdefault(_NOTE_TITLES.get(note.category, "Notes"), []).append(note)
    return grouped


# --- text ---------------------------------------------------------------------------------------
def _console(color: bool, width: int) -> Console:
    return Console(
        file=io.StringIO(),  # the library never prints: rich records, we return the text
        record=True,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        width=width,
        highlight=False,
        emoji=False,
        markup=False,
    )


def _export(console: Console, color: bool) -> str:
    return "\n".join(line.rstrip() for line in console.export_text(styles=color).splitlines())


def render_text(plan: Plan, *, color: bool, width: int = 100) -> str:
    """The plan for a terminal or a log: one block per change, the notes, the summary line.

    With ``color`` false the text has no escape codes at all (``NO_COLOR``, pipes, CI logs).
    """
    console = _console(color, width)
    if plan.changes:
        console.print(Text(legend(plan) + "\n", style="dim"), soft_wrap=True)
    for change in plan.changes:
        head = Text("  ")
        head.append(_heading(change), style=_STYLE[change.action])
        if change.reason:
            head.append(f"  ({change.reason})", style="dim")
        console.print(head, soft_wrap=True)
        for field in change.fields:
            style = "dim" if field.sensitive else ""
            for line in field_lines(change, field):
                console.print(Text("      " + line, style=style), soft_wrap=True)
    for title, notes in _notes_by_title(plan.notes).items():
        console.print(Text(f"\n{title}:", style="bold"), soft_wrap=True)
        for note in notes:
            console.print(Text(f"  {note.address}: {note.message}"), soft_wrap=True)
    if plan.changes:
        console.print(Text("\n" + plan.summary.line(), style="bold"), soft_wrap=True)
    else:
        console.print(Text(("\n" if plan.notes else "") + NO_CHANGES, style="bold"), soft_wrap=True)
    return _export(console, color) + "\n"


def render_apply_report(
    report: ApplyReport, color: bool, width: int = 100, *, list_applied: bool = True
) -> str:
    """What apply did: one line per change, then a closing line saying whether it all worked.

    ``list_applied=False`` leaves out the applied lines (the CLI already showed them live)."""
    console = _console(color, width)
    for address in report.applied if list_applied else ():
        console.print(Text(f"  applied  {address}", style="green"), soft_wrap=True)
    for address, message in report.failed:
        console.print(Text(f"  failed   {address}: {message}", style="bold red"), soft_wrap=True)
    for address, why in report.skipped:
        console.print(Text(f"  skipped  {address}: {why}", style="yellow"), soft_wrap=True)
    counts = (
        f"{len(report.applied)} applied, {len(report.failed)} failed, {len(report.skipped)} skipped"
    )
    if report.ok:
        console.print(Text(f"Apply complete: {counts}.", style="bold"), soft_wrap=True)
    else:
        closing = f"Apply incomplete: {counts}. Fix the failures, then plan and apply again."
        console.print(Text(closing, style="bold red"), soft_wrap=True)
    return _export(console, color) + "\n"


# --- JSON ---------------------------------------------------------------------------------------
def render_json(plan: Plan) -> str:
    """The saved-plan JSON (fields in the module docstring), identical to ``plan -o``."""
    return plan.to_json()


# --- Markdown -----------------------------------------------------------------------------------
def _fence(body: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}text\n{body}\n{ticks}"


def _md_code(text: str) -> str:
    return f"<code>{html.escape(text)}</code>"


def _md_table(plan: Plan) -> list[str]:
    s = plan.summary
    counts = [s.create, s.update, s.replace, s.delete, s.run, s.manual, s.unchanged]
    return [
        "| create | update | replace | delete | run | manual | unchanged |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        "| " + " | ".join(map(str, counts)) + " |",
    ]


def _md_detail(change: Change) -> str:
    lines = [f"<details><summary>{_md_code(_heading(change))}</summary>", ""]
    if change.reason:
        lines += [html.escape(change.reason), ""]
    if change.fields:
        shown = [line for f in change.fields for line in field_lines(change, f)]
        lines += [_fence("\n".join(shown)), ""]
    return "\n".join([*lines, "</details>", ""])


def _md_line(change: Change) -> str:
    extra = f" ({len(change.fields)} field{'s' if len(change.fields) != 1 else ''})"
    reason = f": {html.escape(change.reason)}" if change.reason else ""
    return f"- {_md_code(_heading(change))}{extra if change.fields else ''}{reason}"


def _md_note(note: Note) -> str:
    return f"- **{note.category}** {_md_code(note.address)}: {html.escape(note.message)}"


def _md_document(plan: Plan, entry: Callable[[Change], str], limit: int | None) -> str:
    head = [f"## omsform plan: {_md_code(plan.brand)}", "", *_md_table(plan), ""]
    if not plan.changes:
        head += [f"**{NO_CHANGES}**", ""]
    else:
        head += [f"**{plan.summary.line()}**", ""]
    body = [entry(c) for c in plan.changes]
    notes = ["### Notes", "", *map(_md_note, plan.notes), ""] if plan.notes else []
    if limit is not None:
        return _fit(head, body + notes, limit)
    return "\n".join(head + body + notes)


def _fit(head: list[str], lines: list[str], limit: int) -> str:
    """``head`` and as many of ``lines`` as fit in ``limit`` characters, saying what was cut."""
    out = "\n".join(head)
    for i, line in enumerate(lines):
        tail = f"\n- … and {len(lines) - i} more lines: run `omsform plan` to see everything"
        if len(out) + 1 + len(line) + len(tail) > limit:
            return out + tail
        out += "\n" + line
    return out


def render_markdown(plan: Plan, budget: int = 60_000) -> str:
    """The plan as a pull-request comment: summary table, then one ``<details>`` per change.

    When that exceeds ``budget`` characters, per-field detail is left out (and the comment says
    so); when even the list of changes does not fit, it is cut with a count of what is missing.
    """
    full = _md_document(plan, _md_detail, None) + "\n"
    if len(full) <= budget:
        return full
    notice = (
        f"_Field details are left out: the full plan is {len(full)} characters, over this "
        f"comment's budget of {budget}. Run `omsform plan` to see them._\n\n"
    )
    compact = _md_document(plan, _md_line, max(0, budget - len(notice) - 1))
    return notice + compact + "\n"
