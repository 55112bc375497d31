"""What ``omsform doctor`` found: one :class:`Row` per check, the :class:`Report` of a run,
and its text rendering (the CLI prints it; ``--format json`` uses :meth:`Report.to_json`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Status = Literal["ok", "differs", "missing"]


@dataclass(frozen=True)
class Row:
    """One check's outcome. ``fix`` is the override or block key that would make it pass."""

    provider: str
    check: str
    target: str
    status: Status
    detail: str = ""
    fix: str = ""


@dataclass
class Report:
    """Every row, and per provider the effective ``api`` map the checks used."""

    rows: list[Row] = field(default_factory=list)
    api: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return all(row.status == "ok" for row in self.rows)

    def to_json(self) -> dict[str, Any]:
        """A plain value for ``--format json``."""
        return {"ok": self.ok, "checks": [asdict(r) for r in self.rows], "api": self.api}


def render_text(report: Report, show_api: bool = False) -> str:
    """The table: one row per check, a fix under each failure, and the verdict."""
    lines = []
    width = max((len(f"{r.check} {r.target}") for r in report.rows), default=10)
    for r in report.rows:
        head = f"{r.check} {r.target}".ljust(width)
        lines.append(f"{r.status:<8} {r.provider:<11} {head}  {r.detail}")
        if r.status != "ok" and r.fix:
            lines.append(f"{'':<8} {'':<11} {'':<{width}}  fix: {r.fix}")
    failed = sum(r.status != "ok" for r in report.rows)
    verdict = "every check ok" if not failed else f"{failed} of {len(report.rows)} checks failed"
    lines.append(f"\nDoctor: {verdict}.")
    if show_api:
        lines.append(render_api(report))
    return "\n".join(lines)


def render_api(report: Report) -> str:
    """The effective ``api`` map per provider (``--show-api``)."""
    lines = []
    for name, entries in sorted(report.api.items()):
        lines.append(f"\nproviders.{name}.api (effective):")
        lines += [f"  {key}: {value!r}" for key, value in entries.items()]
    return "\n".join(lines)
