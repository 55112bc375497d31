"""Adoption commands (``import``, ``fmt``, ``schema``), registered onto the main group.

STATUS: not written yet (issue 6).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click


def register(group: click.Group, out: Any, fails_cleanly: Callable[[Any], Any]) -> None:
    """Add this module's commands to ``group``; ``out`` prints (redacted)."""
