"""The ``omsform`` command line: the only place that prints and chooses exit codes.

Exit codes: ``validate`` 0 valid / 1 invalid; ``plan --detailed-exitcode`` 0 no changes /
2 changes / 1 error; ``plan --drift-exitcode`` 4 drift / 2 intent only / 0 / 1 error (several
brands: the worst, 1 > 4 > 2 > 0); ``apply`` 0 all applied / 1 any error or failed change.
"""

from __future__ import annotations

from typing import Any

import click

from omsform import __version__
from omsform.cli.apply import apply
from omsform.cli.failure import fails_cleanly
from omsform.cli.graph import graph
from omsform.cli.output import OUT
from omsform.cli.plan import plan, show
from omsform.cli.sandbox import sandbox
from omsform.cli.validate import validate

__all__ = ["OUT", "fails_cleanly", "main"]  # the printer and error handling, for embedding

# Everything heavy (loading, pydantic, providers, the engine, httpx clients, renderers, rich) is
# imported where it is used, so that `omsform --version` and `omsform validate` — run on every
# commit by pre-commit — start in a fraction of the time. tests/cli/test_startup.py guards it.


class _Group(click.Group):
    """The root group: a usage error (unknown option, bad value, missing file) exits 1 with
    click's message, so exit 2 only ever means "changes" (``plan --detailed-exitcode``)."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as exc:
            exc.exit_code = 1  # type: ignore[misc]  # per error, not for every UsageError
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            exc.exit_code = 1  # type: ignore[misc]  # per error, not for every UsageError
            raise

    # The commands of other modules (import, doctor, docs, init, pull, ...) are registered on
    # first need: their imports cost more than `omsform --version` or `validate` itself.
    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command ``cmd_name``; registers the other modules' commands if it is not here."""
        command = super().get_command(ctx, cmd_name)
        if command is None and _register_more_commands():
            command = super().get_command(ctx, cmd_name)
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command name (``--help``, completion): all modules' commands registered."""
        _register_more_commands()
        return super().list_commands(ctx)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, package_name="omsform")  # no metadata lookup at start
def main() -> None:
    """omsform: an Akinon OMS brand's configuration as code."""


for _command in (validate, plan, apply, show, graph, sandbox):
    main.add_command(_command)


_MORE_COMMANDS = {"registered": False}


def _register_more_commands() -> bool:
    """Commands that live in their own modules (adoption: import, fmt, schema; doctor; docs;
    init; pull), registered once; true when this call registered them."""
    if _MORE_COMMANDS["registered"]:
        return False
    _MORE_COMMANDS["registered"] = True
    from omsform.cli import adopt as cli_adopt
    from omsform.cli import docs as cli_docs
    from omsform.cli import doctor as cli_doctor
    from omsform.cli import pull as cli_pull
    from omsform.guide import init

    cli_adopt.register(main, OUT, fails_cleanly)
    cli_doctor.register(main, OUT, fails_cleanly)
    cli_pull.register(main, OUT, fails_cleanly)
    cli_docs.register(main, OUT, fails_cleanly)
    init.register(main, OUT, fails_cleanly)
    return True
