"""What an apply did: the outcome of every change, for the report and the exit code."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ApplyReport:
    """Addresses applied, failed (with the API's message) and skipped (with why), in order.

    ``failed`` messages must already be redacted: the report is printed as is.
    """

    applied: Sequence[str] = field(default_factory=tuple)
    failed: Sequence[tuple[str, str]] = field(default_factory=tuple)
    skipped: Sequence[tuple[str, str]] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """True when every change was applied (nothing failed, nothing skipped)."""
        return not self.failed and not self.skipped
