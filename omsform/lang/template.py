"""Jinja2 rendering of resource files: sandboxed, strict, and with errors that point at a line.

Resource files are templates so that loops can generate many similar resources (200 stores from
a list in ``vars.yaml``). The environment is a :class:`~jinja2.sandbox.SandboxedEnvironment`
with :class:`~jinja2.StrictUndefined` (an unknown name is an error, never an empty string), no
loader (no ``include``/``import`` of other files) and nothing from the process environment:
the only input is ``vars``. ``${...}`` is not Jinja syntax and passes through untouched for
:mod:`omsform.lang.interpolate`.

YAML positions after rendering refer to the rendered text; :class:`LineMap` maps them back to
the template where that is certain (no line was added or removed, or the line is unique).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # jinja2 is imported when a brand has a template, not for every load
    from jinja2.sandbox import SandboxedEnvironment

_MARKERS = ("{{", "{%", "{#")
_QUOTED = re.compile(r"'([^']*)'")


class TemplateProblem(Exception):
    """Rendering failed: ``line``/``column`` (1-based) in the template, message and hint."""

    def __init__(self, message: str, line: int, column: int, hint: str = "") -> None:
        super().__init__(message)
        self.message, self.line, self.column, self.hint = message, line, column, hint


@dataclass(frozen=True)
class LineMap:
    """Maps 1-based lines of the rendered text to lines of the template the user edits.

    ``lines[n - 1]`` is the template line that produced rendered line ``n`` when that is known
    for certain (``None`` when not); ``known`` maps rendered lines whose text occurs exactly
    once in both texts. A map with neither is the identity (the file was not a template).
    """

    lines: tuple[int | None, ...] | None = None
    known: Mapping[int, int] | None = None

    @classmethod
    def between(
        cls, source: str, rendered: str, lines: tuple[int | None, ...] | None = None
    ) -> LineMap:
        """A map from ``rendered`` back to ``source``: ``lines`` where known, else unique texts."""
        src_at = _unique_lines(source.splitlines())
        out_at = _unique_lines(rendered.splitlines())
        known = {n: src_at[text] for text, n in out_at.items() if text in src_at}
        return cls(lines=lines, known=known)

    def source_line(self, line: int) -> tuple[int, bool]:
        """``(line, True)`` when ``line`` of the rendered text is known in the template, else
        ``(line, False)``: the line number then counts lines of the rendered text."""
        if self.lines is None and self.known is None:
            return line, True
        if self.lines is not None and 0 < line <= len(self.lines):
            mapped = self.lines[line - 1]
            if mapped is not None:
                return mapped, True
        if self.known is not None and line in self.known:
            return self.known[line], True
        return line, False


def _unique_lines(lines: list[str]) -> dict[str, int]:
    """Line text → line number, for non-blank texts that occur exactly once."""
    seen: dict[str, int] = {}
    twice: set[str] = set()
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        if text in seen:
            twice.add(text)
        seen[text] = number
    return {text: n for text, n in seen.items() if text not in twice}


def environment() -> SandboxedEnvironment:
    """The Jinja environment for resource files (sandboxed, strict, no loader)."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


_env = cache(environment)  # the one environment every render shares, made on first use


def is_template(text: str) -> bool:
    """True when ``text`` contains any Jinja markup (otherwise rendering is the identity)."""
    return any(marker in text for marker in _MARKERS)


def render(source: str, name: str, variables: Mapping[str, Any]) -> tuple[str, LineMap]:
    """``source`` rendered with ``vars`` = ``variables``, and where each rendered line came from.

    ``name`` is how the file is named in messages. Raises :class:`TemplateProblem` and nothing
    else: every failure of the template (syntax, undefined name, sandbox violation, an exception
    in an expression) is a problem with the template line where it happened.
    """
    if not is_template(source):
        return source, LineMap()
    from jinja2 import TemplateSyntaxError

    lines = source.splitlines()
    try:
        text = _render(source, name, variables)
    except TemplateSyntaxError as err:
        line = err.lineno or 1
        raise TemplateProblem(
            f"template syntax error: {err.message}", line, _markup_column(lines, line)
        ) from None
    except Exception as err:
        raise _runtime_problem(err, name, lines, variables) from None
    try:
        probe = _render(_with_markers(source), name, variables)
    except Exception:
        return text, LineMap.between(source, text)
    return text, _line_map(source, text, probe)


def _render(source: str, name: str, variables: Mapping[str, Any]) -> str:
    env = _env()
    code = env.compile(source, name=name, filename=name)
    template = env.template_class.from_code(env, code, env.make_globals(None))
    return template.render(vars=variables)


# Line tracking: every template line that starts with literal text (or ``{{``) gets an
# invisible marker naming its line; an output line that starts with a marker came from that
# line. Other output lines (after ``-%}``, inside a multi-line value) and every line when the
# marked render, markers removed, differs from the real one (a filter touched a marker) fall
# back to matching unique lines, and are otherwise reported as lines of the rendered text.
_MARK = re.compile("\x00(\\d+)\x01")


def _with_markers(source: str) -> str:
    starts: set[int] = set()
    at_line_start = True
    for lineno, token, value in _env().lex(source):
        if at_line_start and token in ("data", "variable_begin"):
            starts.add(lineno)
        if token == "data":
            starts.update(range(lineno + 1, lineno + 1 + value[:-1].count("\n")))
        at_line_start = value.endswith("\n")
    lines = source.split("\n")
    for lineno in starts:
        text = lines[lineno - 1]
        if not text.lstrip().startswith(("{%", "{#")):
            lines[lineno - 1] = f"\x00{lineno}\x01{text}"
    return "\n".join(lines)


def _line_map(source: str, text: str, probe: str) -> LineMap:
    if _MARK.sub("", probe) != text:
        return LineMap.between(source, text)
    lines = []
    for line in probe.split("\n"):
        found = _MARK.match(line)
        lines.append(int(found.group(1)) if found else None)
    return LineMap.between(source, text, tuple(lines))


def _runtime_problem(
    err: Exception, name: str, lines: list[str], variables: Mapping[str, Any]
) -> TemplateProblem:
    line = _template_line(err, name)
    text = str(err)
    words = _QUOTED.findall(text)
    word = words[-1] if words else ""
    column = _word_column(lines, line, word) if word else _markup_column(lines, line)
    if type(err).__name__ == "UndefinedError":
        if text.endswith("is undefined"):
            message = f"undefined template variable '{word}'"
            in_vars = isinstance(variables, Mapping) and word in variables
            hint = f"write vars.{word}" if in_vars else _hint(word, ["vars", *_env().globals])
        else:
            message = f"undefined in template: {text}"
            hint = _hint(word, _all_keys(variables))
        return TemplateProblem(message, line, column, hint)
    if type(err).__name__ == "SecurityError":
        return TemplateProblem(f"template not allowed by the sandbox: {text}", line, column)
    return TemplateProblem(f"template error: {type(err).__name__}: {text}", line, column)


def _hint(word: str, candidates: Iterable[str]) -> str:
    from omsform.lang.suggest import did_you_mean

    return did_you_mean(word, candidates)


def _template_line(err: BaseException, name: str) -> int:
    """The last template line in the traceback (Jinja rewrites frames to template lines)."""
    line = 1
    tb = err.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == name:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _markup_column(lines: list[str], line: int) -> int:
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    found = [text.find(m) for m in _MARKERS if m in text]
    return min(found) + 1 if found else 1


def _word_column(lines: list[str], line: int, word: str) -> int:
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    found = re.search(rf"\b{re.escape(word)}\b", text)
    return found.start() + 1 if found else _markup_column(lines, line)


def _all_keys(data: Any, depth: int = 0) -> set[str]:
    """Every mapping key in ``data`` (a few levels deep): candidates for a misspelt attribute."""
    keys: set[str] = set()
    if depth > 4:
        return keys
    if isinstance(data, Mapping):
        for key, value in data.items():
            keys.add(str(key))
            keys |= _all_keys(value, depth + 1)
    elif isinstance(data, list | tuple):
        for item in data[:50]:
            keys |= _all_keys(item, depth + 1)
    return keys
