"""Reading ahead for ``plan --changed-since REF`` (:func:`narrowing`): which of the kinds the
brand certainly manages the partial plan certainly reads, told before loading.

A partial plan (:mod:`omsform.engine.since`) reads the kinds the change reaches, as its
selection makes them from the loaded brand; before loading, only part of that is certain, and
only that part is listed ahead (:mod:`omsform.engine.ahead`, whose rules still apply to each
kind: one bulk listing, no ``api:`` map…). Certain, for a kind the brand certainly manages
(declared in a plain file, or pruned): that its file changed in ``git diff REF``, or that it
lists a changed kind in ``depends_on_kinds`` or is listed in a changed managed kind's: the
selection compares it, so the plan reads it. When ``omsform.yaml``, ``vars.yaml``, the
ledger's salt or a templated file at REF make the plan full, every kind is read, as in a full
plan. Nothing is certain before git has answered, nor when git failed (loading reports that,
and a run that fails makes no request): no head start then.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from omsform.contract.provider import registry
from omsform.engine import gitdiff
from omsform.engine.ahead import Narrowing


def narrowing(directory: Path, ref: str) -> Narrowing:
    """What :func:`omsform.engine.ahead.start` narrows its listings with for ``plan
    --changed-since REF`` of ``directory`` (git asked ahead: :func:`gitdiff.prefetch`)."""

    def narrow(managed: frozenset[str]) -> Collection[str] | None:
        return certainly_read(directory, ref, managed)

    return narrow


def certainly_read(directory: Path, ref: str, managed: frozenset[str]) -> set[str] | None:
    """The kinds of ``managed`` the partial plan of ``--changed-since REF`` certainly reads
    (see the module); ``None`` when git was not asked ahead or failed."""
    diff = gitdiff.early_diff(directory, ref)
    if diff is None:
        return None
    resources: Mapping[str, Any] = registry().kinds
    if any(path in gitdiff.CONFIG_FILES for path in diff.paths):
        return set(managed)  # a full plan: read as without --changed-since
    changed, why = diff.changed_kinds({}, set(resources))
    if why:
        return set(managed)
    read = changed & managed
    for kind in managed:
        if set(resources[kind].depends_on_kinds) & changed:
            read.add(kind)  # it needs a changed kind: the selection compares it
    for kind in changed & managed:
        read.update(set(resources[kind].depends_on_kinds) & managed)
    return read
