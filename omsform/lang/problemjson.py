"""Validation problems as JSON (``omsform validate --format json``), for editors and CI bots.

Each problem is ``{"file", "line", "column", "address", "severity", "code", "message",
"hint"}`` (``line``/``column`` 1-based, 0 when unknown; ``file``/``address``/``hint`` may be
``""``). ``code`` is a coarse, stable category: the problem's own :attr:`Problem.code` when it
has one, else derived from the message (:func:`code_of`); tools should key on it, people read
``message``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from omsform.errors import Problem

# first match wins: (code, pattern on the message)
_CODES = (
    ("unknown-field", r"^unknown field|unknown field '"),
    ("missing-field", r"missing required field"),
    ("unknown-kind", r"unknown kind"),
    ("unknown-provider", r"unknown provider"),
    ("duplicate", r"declared twice|duplicate"),
    ("cycle", r"cycle"),
    ("secret-unset", r"secret \S+ is not set"),
    ("env-unset", r"environment variable|env\.\S+ is not set"),
    ("template", r"template|jinja"),
    ("file", r"cannot read the file|not a directory|not found|is ignored"),
    ("yaml", r"yaml|indentation|mapping|a map of"),
    ("reference", r"refers to|reference|not declared|does not exist|no \S+ named"),
)


def code_of(problem: Problem) -> str:
    """The problem's category: its own ``code``, else one derived from its message
    (``invalid-value`` when nothing more specific fits)."""
    if problem.code:
        return problem.code
    text = problem.message.lower()
    for code, pattern in _CODES:
        if re.search(pattern, text):
            return code
    return "invalid-value" if problem.severity == "error" else "warning"


def problem_dict(problem: Problem) -> dict[str, Any]:
    """One problem as a JSON-ready dict (fields in the module docstring)."""
    where = problem.location
    return {
        "file": where.file,
        "line": where.line,
        "column": where.column,
        "address": where.address,
        "severity": problem.severity,
        "code": code_of(problem),
        "message": problem.message,
        "hint": problem.hint,
    }


def validation_json(
    brand: str, problems: Iterable[Problem], *, resources: int = 0, kinds: int = 0
) -> str:
    """The whole ``validate --format json`` document: ``valid`` (no error-severity problem),
    ``brand``, ``resources`` and ``kinds`` counted when valid, and ``problems`` (warnings too)."""
    listed = [problem_dict(p) for p in problems]
    valid = not any(p["severity"] == "error" for p in listed)
    doc = {
        "valid": valid,
        "brand": brand,
        "resources": resources,
        "kinds": kinds,
        "problems": listed,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)
