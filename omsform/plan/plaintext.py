"""Text plans without colour, made without rich: the text renderers only ever call
``Console.print(Text(…), soft_wrap=True)`` and ``Console.export_text()``, and for plain text
(no styles, no wrapping) those come down to joining lines. Importing rich costs a cold
``omsform plan`` about 20 ms; it is still used for colour and for text rich would rewrite
(tabs, control characters: :attr:`PlainConsole.needs_rich` asks for it then).
"""

from __future__ import annotations

import io
import re
from typing import Any

from omsform.secrets.mask import mask_url_credentials

# characters rich's Text strips (\a \b \v \f \r) or expands (\t), and the rest of the
# controls: a text holding any is rendered by rich itself, so the output stays the same
_REWRITTEN = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


class PlainText:
    """The part of ``rich.text.Text`` the renderers use; styles are ignored."""

    def __init__(self, text: str = "", style: str = "") -> None:
        self.plain = text

    def append(self, text: str, style: str = "") -> PlainText:
        """Add ``text`` at the end (``style`` is ignored)."""
        self.plain += text
        return self


class PlainConsole:
    """The part of a recording ``rich.console.Console`` the renderers use, without colour."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.needs_rich = False

    def print(self, text: PlainText, *, soft_wrap: bool = True) -> None:
        """Record ``text`` and a newline, as rich prints a soft-wrapped Text."""
        self.needs_rich = self.needs_rich or bool(_REWRITTEN.search(text.plain))
        self.lines.append(text.plain + "\n")

    def export_text(self, *, styles: bool = False) -> str:
        """Everything printed, as one text."""
        return "".join(self.lines)


def rich_console(color: bool, width: int) -> Any:
    """A recording rich console: the renderers print to it, then take its text."""
    from rich.console import Console  # imported only when used (~20 ms)

    return Console(
        file=io.StringIO(),  # the library never prints: rich records, we return the text
        record=True,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        width=width,
        highlight=False,
        emoji=False,
        markup=False,
    )


def export(console: Any, color: bool) -> str:
    """The console's text; credential query parameters of URLs (a live object's token that no
    known secret names) masked, as in every form of the plan."""
    text = "\n".join(line.rstrip() for line in console.export_text(styles=color).splitlines())
    return mask_url_credentials(text)
