"""Warnings for values outside a documented list where the docs do not close the list.

Akinon's webhook event types and state-transition command classes are documented as lists
that are known to be incomplete (the event list "continues past the visible text"; the Unblock,
Refuse and Manual Planning command classes are not named). A value outside such a list is
accepted with a did-you-mean warning rather than refused; ``omsform validate --strict`` turns
the warning into an error for brands that want only documented values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from omsform.contract.spec import Desired
from omsform.errors import Location, Problem
from omsform.lang.suggest import did_you_mean


def undocumented(
    desired: Mapping[str, Desired[Any]], field: str, documented: Iterable[str], what: str
) -> list[Problem]:
    """A warning for each declared object whose ``field`` is not in ``documented``: it names
    the value and ``what`` list it is missing from, with a did-you-mean when one is close."""
    known = tuple(documented)
    found = []
    for address, d in sorted(desired.items()):
        value = getattr(d.spec, field)
        if value in known:
            continue
        hint = did_you_mean(value, known)
        advice = f"{hint} " if hint else ""
        found.append(
            Problem(
                Location(address=address),
                f"{field} '{value}' is not a documented {what}",
                f"{advice}it is sent as written: check that your OMS knows it; "
                "`omsform validate --strict` refuses it",
                severity="warning",
            )
        )
    return found
