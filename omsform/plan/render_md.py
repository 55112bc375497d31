"""The plan as Markdown for a pull-request comment, built from sections and fitted to a budget.

The comment is a list of :class:`Section`: the head (title, counts, summary line), the drift
section ("Changed outside omsform", first of the body, as Terraform shows drift — only when
the plan has drift attribution), the planned changes (one ``<details>`` per change), the notes,
and the foot (the plan's checksum and the exact apply command). Each body section is a list of
:class:`Block` (a change, a note) that may carry a one-line short form.

:func:`fit` keeps the comment under a character budget (GitHub allows 65,536 per comment) the
same way for every section: while too long, the longest section gives up its longest block's
detail (the block becomes its short form), then its last blocks; each cut section ends with a
line saying how many lines it left out. The head and the foot are never cut.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from omsform.plan.model import Change, Note, Plan
from omsform.secrets.mask import mask_url_credentials

NO_CHANGES = "No changes. The live systems match the configuration."
NO_CHANGES_READ = "No changes in the kinds read. The kinds left out were not compared."
DRIFT_TITLE = "Changed outside omsform"
DRIFT_HINT = "live → YAML: apply reverts these; `omsform pull` writes the live values into the YAML"
BUDGET = 64_000
"""Default budget: under 65,000 characters with room for a CI wrapper's marker lines."""


@dataclass
class Block:
    """One entry of a section: its full Markdown and, optionally, a one-line short form."""

    text: str
    short: str | None = None

    @property
    def lines(self) -> int:
        """How many lines the block shows."""
        return self.text.count("\n") + 1


@dataclass
class Section:
    """A titled list of blocks; ``cut`` counts the lines :func:`fit` left out of it."""

    name: str
    heading: list[str]
    blocks: list[Block]
    fixed: bool = False  # the head and the foot: never shortened
    cut: int = field(default=0)
    dropped: int = field(default=0)

    def render(self) -> str:
        """The section's Markdown, with the cut notice when lines were left out."""
        parts = [*self.heading, *(b.text for b in self.blocks)]
        if self.cut:
            parts.append(_cut_notice(self.name, self.cut))
        return "\n".join(parts)


def _cut_notice(name: str, lines: int) -> str:
    return (
        f"\n_… {lines} line{'s' if lines != 1 else ''} of {name} left out to fit the comment: "
        "run `omsform plan` (or `omsform show PLAN_FILE`) to see everything._"
    )


# --- the sections ---------------------------------------------------------------------------
def render_markdown(plan: Plan, budget: int = BUDGET, *, plan_file: str | None = None) -> str:
    """The plan as a pull-request comment, at most ``budget`` characters; ``plan_file`` (the
    saved plan this is) makes the foot's apply command exact."""
    text = fit(markdown_sections(plan, plan_file=plan_file), budget - 1)
    return mask_url_credentials(text) + "\n"  # a live URL token no known secret names


def markdown_sections(plan: Plan, *, plan_file: str | None = None) -> list[Section]:
    """Head, drift (first of the body), changes, notes, foot — empty sections left out."""
    sections = [
        _head(plan),
        _drift(plan),
        Section("the planned changes", [], [_change_block(c) for c in plan.changes]),
        _notes(plan.notes),
        _foot(plan, plan_file),
    ]
    return [s for s in sections if s.heading or s.blocks]


def _head(plan: Plan) -> Section:
    s = plan.summary
    counts = [s.create, s.update, s.replace, s.delete, s.run, s.manual, s.unchanged]
    lines = [
        f"## omsform plan: {_code(plan.brand)}",
        "",
        "| create | update | replace | delete | run | manual | unchanged |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        "| " + " | ".join(map(str, counts)) + " |",
        "",
        f"**{plan.summary.line() if plan.changes else _no_changes(plan)}**",
        "",
        *_partial(plan),
    ]
    return Section("the head", lines, [], fixed=True)


def _no_changes(plan: Plan) -> str:
    return NO_CHANGES if getattr(plan, "complete", True) else NO_CHANGES_READ


def _partial(plan: Plan) -> list[str]:
    """The lines saying a plan is partial (``--changed-since``): what was not read."""
    if getattr(plan, "complete", True):
        return []
    since = _code(plan.changed_since)
    left = ", ".join(_code(k) for k in plan.left_out) or "none"
    return [
        f"> **Partial plan** (`--changed-since`): only the kinds changed since {since} and the "
        "kinds they reference or that reference them were read. Changes and drift in the "
        f"kinds left out are not shown. **Not read ({len(plan.left_out)}):** {left}",
        "",
    ]


def _drift(plan: Plan) -> Section:
    """ "Changed outside omsform": the plan's drift (``plan.drift``, each change with only its
    drifted fields) when the plan has drift attribution; empty otherwise."""
    drifted: Iterable[Change] = getattr(plan, "drift", ())
    blocks = [_change_block(c, tag=False) for c in drifted]
    if not blocks:
        return Section("the drift", [], [])
    heading = [f"### {DRIFT_TITLE}", "", f"_{html.escape(DRIFT_HINT)}_", ""]
    return Section("the drift", heading, [*blocks, Block("\n### Planned changes\n")])


def _notes(notes: Iterable[Note]) -> Section:
    blocks = [Block(_note(n)) for n in notes]
    return Section("the notes", ["", "### Notes", ""] if blocks else [], blocks)


def _foot(plan: Plan, plan_file: str | None) -> Section:
    checksum = plan.checksum()
    if plan_file:
        how = f"Apply exactly this plan: `omsform apply {plan_file} --checksum {checksum}`"
    else:
        how = (
            "To apply exactly this plan, save it (`omsform plan -o plan.json`) and run "
            "`omsform apply plan.json --checksum CHECKSUM` with the checksum it prints"
        )
    lines = ["", f"<sub>Plan checksum <code>{checksum}</code>. {how}.</sub>"]
    return Section("the foot", lines, [], fixed=True)


# --- blocks ---------------------------------------------------------------------------------
def _code(text: str) -> str:
    return f"<code>{html.escape(text)}</code>"


def _fence(body: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}text\n{body}\n{ticks}"


def _heading(change: Change) -> str:
    return f"{change.action.value} {change.address}"


def attribution_tag(change: Change) -> str:
    """``[drift]`` (or ``[drift, intent]`` when the YAML moved too) after the heading of a
    change made outside omsform; "" otherwise: the YAML moving is what a plan is expected to
    show, so only drift is marked (the JSON has every attribution)."""
    origins = {f.attribution for f in change.fields} | {change.attribution}
    if "drift" not in origins:
        return ""
    return "[drift, intent]" if "intent" in origins else "[drift]"


def _tag(change: Change) -> str:
    tag = attribution_tag(change)
    return f" <b>{tag}</b>" if tag else ""


def _change_block(change: Change, *, tag: bool = True) -> Block:
    from omsform.plan.render import field_lines  # the same field wording as the text plan

    suffix = _tag(change) if tag else ""
    lines = [f"<details><summary>{_code(_heading(change))}{suffix}</summary>", ""]
    if change.reason:
        lines += [html.escape(change.reason), ""]
    if change.fields:
        shown = [line for f in change.fields for line in field_lines(change, f)]
        lines += [_fence("\n".join(shown)), ""]
    lines += ["</details>", ""]
    count = len(change.fields)
    extra = f" ({count} field{'s' if count != 1 else ''})" if count else ""
    reason = f": {html.escape(change.reason)}" if change.reason else ""
    short = f"- {_code(_heading(change))}{suffix}{extra}{reason}"
    return Block("\n".join(lines), short)


def _note(note: Note) -> str:
    return f"- **{note.category}** {_code(note.address)}: {html.escape(note.message)}"


# --- fitting --------------------------------------------------------------------------------
def fit(sections: list[Section], budget: int) -> str:
    """The sections joined, at most ``budget`` characters (see the module docstring)."""
    text = _join(sections)
    cuttable = [s for s in sections if not s.fixed]
    # the longest detail first within each section: a cursor per section walks that order
    cursors = {id(s): _Cursor(s) for s in cuttable}
    while len(text) > budget and any(c.left for c in cursors.values()):
        excess = len(text) - budget
        while excess > 0:  # lengths tracked by difference; the joined text is checked after
            live = [c for c in cursors.values() if c.left]
            if not live:
                break
            excess -= max(live, key=lambda c: c.size).shorten()
        text = _join(sections)
    return text[: max(budget, 0)]


class _Cursor:
    """Shortens one section step by step: its longest remaining block to its short form,
    then (when no block has one left) its last block away."""

    def __init__(self, section: Section) -> None:
        self.section = section
        blocks = section.blocks
        # the longest first; among equals the last first, so the top of the list keeps detail
        self.order = sorted(range(len(blocks)), key=lambda i: (-len(blocks[i].text), -i))
        self.walked = 0
        self.size = sum(len(b.text) + 1 for b in blocks)

    @property
    def left(self) -> bool:
        """Whether anything can still be cut."""
        return bool(self.section.blocks)

    def shorten(self) -> int:
        """Cut one step; the characters saved (roughly: the notice's own length aside)."""
        section = self.section
        saved = 0
        if not section.cut:
            saved -= len(_cut_notice(section.name, 10**6))  # the notice appears
        while self.walked < len(self.order):
            index = self.order[self.walked]
            self.walked += 1
            block = section.blocks[index]
            if block.short is not None:
                section.cut += block.lines - (block.short.count("\n") + 1)
                section.blocks[index] = Block(block.short)
                saved += len(block.text) - len(block.short)
                self.size -= len(block.text) - len(block.short)
                return saved
        dropped = section.blocks.pop()
        section.cut += dropped.lines
        self.size -= len(dropped.text) + 1
        return saved + len(dropped.text) + 1


def _join(sections: list[Section]) -> str:
    return "\n".join(s.render() for s in sections)
