"""The CLI's printer: everything a command prints goes through :data:`OUT` (secrets
redacted, colour only on a terminal)."""

from __future__ import annotations

import os
import sys

import click


class Output:
    """Everything the CLI prints goes through here: secrets redacted, colour only on a
    terminal and never with ``NO_COLOR``."""

    def __init__(self) -> None:
        self.secrets: frozenset[str] = frozenset()
        self.color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")

    def out(self, text: str) -> None:
        """Print to stdout."""
        from omsform.secrets.mask import redact

        click.echo(redact(text, self.secrets))

    def err(self, text: str) -> None:
        """Print to stderr."""
        from omsform.secrets.mask import redact

        click.echo(redact(text, self.secrets), err=True)


OUT = Output()
