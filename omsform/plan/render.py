"""Text, JSON and Markdown from the same :class:`~omsform.plan.model.Plan`, and the apply report.

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
  :mod:`omsform.secrets.keyprint`), ``provider``, ``action``
  (``+`` create, ``~`` update, ``-/+`` replace, ``-`` delete, ``»`` run, ``!`` manual),
  ``remote_id`` (server id, null for a create), ``fields`` (list of ``path``, ``before``,
  ``after``, ``sensitive``, ``forces_replace``; values are JSON, ``"(sensitive)"`` when masked;
  a delete lists what the object holds, ``after`` null),
  ``reason`` (for people), ``precondition`` (the object's fingerprint as read; null for a
  create), ``depends_on`` (addresses of changes that must succeed first), ``level`` (changes of
  one level may run concurrently; levels run in order), ``kept`` (an update's open maps → the
  live keys the YAML does not declare, with their live values: apply sends them back merged
  with the declared keys, see :mod:`omsform.plan.openmaps`), ``sends`` (an update's top-level
  spec fields, sorted: exactly what apply sends; absent in plans saved before it and in other
  actions).
- ``notes`` (list of ``category`` — ``unmanaged``, ``unverified``, ``warning``, ``info`` —,
  ``address`` (a kind for kind-wide notes), ``message``).
- ``summary``: counts ``create``, ``update``, ``replace``, ``delete``, ``run``, ``manual``,
  ``unchanged``.
- ``target`` (absent in plans saved before it existed): where the plan was made —
  ``sandbox`` (the embedded sandbox database, relative to the plan file) or ``hosts``
  (provider → ``scheme://host[:port]``); apply refuses any other target.
- ``attribution`` on each change and each field (left out when empty, as in plans made before
  it): ``drift`` (the live value moved away from what omsform last applied), ``intent`` (the
  YAML moved since) or ``unknown`` (no record: a fresh ledger, an imported brand); see
  :mod:`omsform.drift.attribution`. ``drift`` (only when there is some, outside the checksum): the
  changes made outside omsform, each with only its drifted fields.
- ``complete`` (only in a partial plan, ``plan --changed-since REF``: ``false``), ``left_out``
  (the declared or pruned kinds it neither read nor planned), ``changed_since`` (REF as given).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from omsform.apply.report import ApplyReport
from omsform.plan.model import Action, Change, FieldChange, Note, Plan
from omsform.plan.plaintext import PlainConsole, PlainText, export, rich_console
from omsform.plan.render_md import attribution_tag, render_markdown
from omsform.secrets import SENSITIVE

NO_CHANGES = "No changes. The live systems match the configuration."
NO_CHANGES_READ = "No changes in the kinds read. The kinds left out were not compared."
DRIFT_TITLE = "Changed outside omsform"
DRIFT_HINT = "live → YAML: apply reverts these; `omsform pull` writes the live values into the YAML"
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


def render_partial_warning(plan: Plan) -> str:
    """The banner of a partial plan (``--changed-since``): which kinds were not read ("" for a
    complete plan)."""
    if plan.complete:
        return ""
    left = ", ".join(plan.left_out) or "none"
    return (
        f"Partial plan (--changed-since {plan.changed_since}): only the kinds changed since "
        f"{plan.changed_since} and the kinds they reference or that reference them were read. "
        f"Not read ({len(plan.left_out)}): {left}. Changes and drift in those kinds are not "
        "shown; plan without --changed-since to see everything."
    )


def _heading(change: Change) -> str:
    return f"{change.action.value} {change.address}"


def _notes_by_title(notes: Iterable[Note]) -> dict[str, list[Note]]:
    grouped: dict[str, list[Note]] = {}
    for note in notes:
        grouped.setdefault(_NOTE_TITLES.get(note.category, "Notes"), []).append(note)
    return grouped


# --- text ---------------------------------------------------------------------------------------
def render_text(plan: Plan, *, color: bool, width: int = 100) -> str:
    """The plan for a terminal or a log: one block per change, the notes, the summary line.

    With ``color`` false the text has no escape codes at all (``NO_COLOR``, pipes, CI logs).
    """
    if not color:  # the same text without rich, unless rich would rewrite some of it
        plain = PlainConsole()
        _text_body(plain, PlainText, plan)
        if not plain.needs_rich:
            return export(plain, color) + "\n"
    from rich.text import Text

    console = rich_console(color, width)
    _text_body(console, Text, plan)
    return export(console, color) + "\n"


def _text_body(console: Any, Text: Any, plan: Plan) -> None:
    if partial := render_partial_warning(plan):
        console.print(Text(partial + "\n", style="bold yellow"), soft_wrap=True)
    _text_drift(console, Text, plan)  # drift first, as Terraform shows it
    if plan.changes:
        console.print(Text(legend(plan) + "\n", style="dim"), soft_wrap=True)
    for change in plan.changes:
        head = Text("  ")
        head.append(_heading(change), style=_STYLE[change.action])
        if change.reason:
            head.append(f"  ({change.reason})", style="dim")
        if tag := attribution_tag(change):
            head.append(f"  {tag}", style="bold")
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
        none = NO_CHANGES if plan.complete else NO_CHANGES_READ
        console.print(Text(("\n" if plan.notes else "") + none, style="bold"), soft_wrap=True)


def _text_drift(console: Any, Text: Any, plan: Plan) -> None:
    """The "Changed outside omsform" section, first, as Terraform shows drift (nothing when
    there is none)."""
    drift = plan.drift
    if not drift:
        return
    console.print(Text(f"{DRIFT_TITLE} ({DRIFT_HINT}):", style="bold"), soft_wrap=True)
    for change in drift:
        console.print(Text("  " + _heading(change), style=_STYLE[change.action]), soft_wrap=True)
        for field in change.fields:
            console.print(Text("      " + field_text(change, field)), soft_wrap=True)
    console.print(Text("\nPlanned changes:", style="bold"), soft_wrap=True)


def render_apply_report(
    report: ApplyReport, color: bool, width: int = 100, *, list_applied: bool = True
) -> str:
    """What apply did: one line per change, then a closing line saying whether it all worked.

    ``list_applied=False`` leaves out the applied lines (the CLI already showed them live)."""
    from rich.text import Text

    console = rich_console(color, width)
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
    return export(console, color) + "\n"


# --- JSON ---------------------------------------------------------------------------------------
def render_json(plan: Plan) -> str:
    """The saved-plan JSON (fields in the module docstring), identical to ``plan -o``."""
    return plan.to_json()


# --- Markdown -----------------------------------------------------------------------------------
# The pull-request comment is built from sections (drift first) and fitted to a budget in
# :mod:`omsform.plan.render_md`; re-exported here beside the other renderers.
__all__ = ["render_apply_report", "render_json", "render_markdown", "render_text"]
