"""``omsform pull``: accept drift into the code — live values of drifted fields written back
into the brand's YAML, in place.

Only values written literally in plain files are rewritten, through ruamel.yaml's round trip
(:mod:`omsform.adopt.fmt_yaml`, quotes preserved): comments, key order and quoting stay as they were
and only the pulled values change. A file with Jinja markup is a template: the values it
produces come from expressions and loops, so they are never rewritten. Neither are values that
come from a reference or ``${env…}``/``${secret…}`` (the YAML holds the expression, not the
value), nor objects created or deleted outside omsform (declare or remove them by hand). Each
of those is listed as a :class:`LeftOver` with its file:line and the live value (secrets
masked), for a person to change.

Every rewritten file is checked to load to exactly the values intended (anything else is left
alone and reported). Pure: the caller reads the files' text in and writes the results out.
"""

from __future__ import annotations

import difflib
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from omsform.adopt.fmt_yaml import commented, load_like_omsform, new_yaml
from omsform.contract.spec import Desired
from omsform.lang.template import is_template
from omsform.paths import parse_path
from omsform.plan.model import Action, Change, FieldChange, Plan
from omsform.plan.render import format_value
from omsform.secrets import SENSITIVE


@dataclass(frozen=True)
class Pulled:
    """A live value written into the YAML."""

    file: str
    line: int
    address: str
    path: str
    before: Any
    after: Any


@dataclass(frozen=True)
class LeftOver:
    """A drifted value pull cannot write: where it is declared, the live value, and why."""

    file: str
    line: int
    address: str
    path: str
    live: Any
    why: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file or "(not declared)"
        what = f"{self.address}.{self.path}" if self.path else self.address
        live = f" = {format_value(self.live)}" if self.path else ""
        return f"{where}: {what}{live} (live): {self.why}"


@dataclass
class PullResult:
    """What pull would do: per file the old and new text, the values pulled, those left."""

    texts: dict[str, tuple[str, str]] = field(default_factory=dict)
    pulled: list[Pulled] = field(default_factory=list)
    left: list[LeftOver] = field(default_factory=list)

    def diff(self) -> str:
        """A unified diff of every file pull rewrites."""
        out: list[str] = []
        for name, (old, new) in sorted(self.texts.items()):
            out += difflib.unified_diff(
                old.splitlines(keepends=True), new.splitlines(keepends=True), name, name
            )
        return "".join(out)


class _NotLiteral(Exception):
    def __init__(self, why: str, line: int) -> None:
        super().__init__(why)
        self.why, self.line = why, line


def pull(plan: Plan, desired: Mapping[str, Desired[Any]], read: Callable[[str], str]) -> PullResult:
    """Write the live values of ``plan``'s drifted fields into their files (``read(file)``
    gives a file's text; nothing is written here: see :attr:`PullResult.texts`)."""
    result = PullResult()
    docs: dict[str, Any] = {}
    for change in plan.drift:
        d = desired.get(change.address)
        if d is None or change.action is not Action.UPDATE:
            result.left.append(_whole_object(change, d))
            continue
        for f in change.fields:
            _pull_field(result, docs, d, f, read)
    for name, data in docs.items():
        if data is not None:
            _finish(result, name, data, read(name))
    return result


def _whole_object(change: Change, d: Desired[Any] | None) -> LeftOver:
    file, line = (d.location.file, d.location.line) if d else ("", 0)
    if change.action is Action.CREATE:
        why = "deleted outside omsform: re-create it with apply, or remove it from the YAML"
    elif change.action is Action.DELETE:
        why = "created outside omsform: declare it in the YAML (`omsform import` shows how)"
    else:
        why = f"{change.action.name.lower()} outside omsform: change the YAML by hand"
    return LeftOver(file, line, change.address, "", None, why)


def _pull_field(
    result: PullResult,
    docs: dict[str, Any],
    d: Desired[Any],
    f: FieldChange,
    read: Callable[[str], str],
) -> None:
    file, line = d.location.file, d.location.line
    live = SENSITIVE if f.sensitive else f.before

    def leave(why: str, at: int = 0) -> None:
        result.left.append(LeftOver(file, at or line, d.address, f.path, live, why))

    if f.sensitive:
        return leave("a secret: change it where the secret is kept")
    if file not in docs:
        text = read(file)
        docs[file] = None if is_template(text) else _load(text)
    data = docs[file]
    if data is None:
        return leave("written by a template (Jinja): change the template or its vars by hand")
    try:
        at = _set(data, [d.kind, d.name], _steps(f.path), f.before)
    except _NotLiteral as exc:
        return leave(exc.why, exc.line)
    result.pulled.append(Pulled(file, at or line, d.address, f.path, f.after, f.before))
    return None


def _load(text: str) -> Any:
    try:
        return new_yaml_keeping_quotes().load(text)
    except YAMLError:
        return None


def new_yaml_keeping_quotes() -> Any:
    """omsform's YAML dialect, with the quoting of every value kept as written."""
    y = new_yaml()
    y.preserve_quotes = True
    return y


def _steps(path: str) -> list[str | int]:
    """The YAML keys and list positions of a field path."""
    return [t if isinstance(t, int) else str(t) for t in parse_path(path)]


def _line(node: Any, key: Any) -> int:
    try:
        return int(node.lc.key(key)[0]) + 1 if isinstance(node, CommentedMap) else 0
    except (KeyError, TypeError, AttributeError):
        return 0


def _set(data: Any, head: Sequence[str], steps: Sequence[str | int], value: Any) -> int:
    """Set ``value`` at ``head`` + ``steps`` in the round-trip ``data``; the 1-based line."""
    node = data
    for key in head:
        if not isinstance(node, CommentedMap) or key not in node:
            raise _NotLiteral("not found in the file: change it by hand", 0)
        node = node[key]
    line = 0
    for i, step in enumerate(steps):
        last = i == len(steps) - 1
        if isinstance(node, str) and "${" in node:
            raise _NotLiteral("comes from a reference or ${…}: change it where it comes from", line)
        if isinstance(node, CommentedMap) and isinstance(step, str):
            line = _line(node, step) or line
            if last or step not in node:
                if isinstance(node.get(step), str) and "${" in node[step]:
                    raise _NotLiteral(
                        "comes from a reference or ${…}: change it where it comes from", line
                    )
                node[step] = commented(value if last else _nested(steps[i + 1 :], value))
                return line
            node = node[step]
        elif isinstance(node, CommentedSeq) and isinstance(step, int) and step <= len(node):
            if last:
                if step == len(node):
                    node.append(commented(value))
                elif isinstance(node[step], str) and "${" in node[step]:
                    raise _NotLiteral(
                        "comes from a reference or ${…}: change it where it comes from", line
                    )
                else:
                    node[step] = commented(value)
                return line
            node = node[step]
        else:
            raise _NotLiteral(
                "its place in the file does not match the field: change it by hand", line
            )
    return line


def _nested(steps: Sequence[str | int], value: Any) -> Any:
    """``value`` wrapped in mappings for the ``steps`` that are missing in the file."""
    for step in reversed(steps):
        value = {step: value}
    return value


def _finish(result: PullResult, name: str, data: Any, old: str) -> None:
    """Keep ``name``'s new text when it loads, as omsform reads it, to exactly ``data``."""
    out = io.StringIO()
    new_yaml_keeping_quotes().dump(data, out)
    new = out.getvalue()
    try:
        same = load_like_omsform(new) == _plain(data)
    except Exception:  # any failure to read it back means: do not write it
        same = False
    if not same:
        mine = [p for p in result.pulled if p.file == name]
        result.pulled = [p for p in result.pulled if p.file != name]
        why = "the rewritten file would not read back as intended: change it by hand"
        result.left += [LeftOver(p.file, p.line, p.address, p.path, p.after, why) for p in mine]
    elif new != old:
        result.texts[name] = (old, new)


def _plain(data: Any) -> Any:
    """Round-trip values as plain dicts and lists (what the loader returns)."""
    if isinstance(data, dict):
        return {str(k): _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    if isinstance(data, str):
        return str(data)
    if isinstance(data, bool) or data is None:
        return data
    if isinstance(data, int):
        return int(data)
    if isinstance(data, float):
        return float(data)
    return data
