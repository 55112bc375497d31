"""``plan --changed-since REF``: a plan that reads only what a change touches.

Which kinds a change touches, from ``git diff REF`` of the brand directory (untracked files
count too; a rename counts as both names):

- ``omsform.yaml`` or ``vars.yaml`` changed: they reach every object (providers, ownership,
  safety, template variables), so the plan is **full**, and says why;
- a resource file (``*.yaml`` at the top of the brand) changed, was added or deleted: every kind
  it declares now (the objects loaded from it) or declared at REF (its top-level keys there, so a
  deleted file or an emptied kind still counts: its objects may now be deleted or left
  unmanaged). A file whose text at REF has a top-level line that is not a plain key (``{{ kind
  }}:``) cannot be read without rendering: full plan;
- ``.omsform/ledger.json``: the kinds whose entries differ (a changed salt: full plan);
- anything else (subdirectories, hidden files, ``.yml`` files, READMEs) is not part of the brand.

Those kinds, the kinds they reference and the kinds that reference them are compared
(:mod:`omsform.plan.select`); every other declared or pruned kind is **left out**: not read, not
planned (no create, change, delete or drift of it), and named in the plan (``complete: false``,
``left_out``). Values outside git (a rotated ``${secret.…}``, an edited live object) are only
seen for the kinds read: the scheduled drift job plans without ``--changed-since``.

The brand's YAML is loaded in part (:func:`load_changed`): ``omsform.yaml``, ``vars.yaml`` and
the files of the kinds the selection needs, so its kinds and their objects are exactly a full
load's; the other files are not read, and checks across kinds are left to ``omsform validate``
(the selection line says so). A saved partial plan records the digest of the configuration and
the kinds it compared; apply refuses it when that YAML changed (:func:`check_digest`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omsform.contract.provider import registry
from omsform.engine import gitdiff
from omsform.errors import PlanError, UnsafePlanError
from omsform.lang import partial
from omsform.lang.load import Brand
from omsform.plan import select
from omsform.plan.build import PlanInputs
from omsform.plan.model import Plan

LEDGER = gitdiff.LEDGER


@dataclass(frozen=True)
class Selection:
    """What ``--changed-since REF`` selected. ``compared`` is None for a full plan (then
    ``why_full`` says why); otherwise the kinds compared, and ``left_out`` the declared or
    pruned kinds neither read nor planned."""

    ref: str
    brand: str = ""
    changed: frozenset[str] = frozenset()
    compared: frozenset[str] | None = None
    left_out: tuple[str, ...] = ()
    why_full: str = ""
    digest: str = ""  # of the config and the compared kinds, when not the brand's own digest
    unread: tuple[str, ...] = ()  # resource files not read at all (a partial load)

    @property
    def partial(self) -> bool:
        """True when some kinds are left out."""
        return self.compared is not None

    def describe(self) -> str:
        """One line for stderr: what was selected and why."""
        head = (
            f"{self.brand}: --changed-since {self.ref}"
            if self.brand
            else f"--changed-since {self.ref}"
        )
        if self.compared is None:
            return f"{head}: {self.why_full}: a full plan (every kind is read)."
        if not self.changed:
            left = _count(self.left_out)
            return f"{head}: no brand file changed; nothing is read ({left} left out)."
        unread = (
            f" Files not read: {', '.join(self.unread)}; checks across kinds were not run "
            "(`omsform validate` checks the whole brand)."
            if self.unread
            else ""
        )
        return (
            f"{head}: changed {', '.join(sorted(self.changed))}; compared "
            f"{', '.join(sorted(self.compared))}; left out (not read): {', '.join(self.left_out)}."
            + unread
        )


def _count(kinds: Collection[str]) -> str:
    return f"{len(kinds)} kind{'s' if len(kinds) != 1 else ''}"


def _resources() -> dict[str, Any]:
    return dict(registry().kinds)


def select_changed(brand: Brand, ref: str) -> Selection:
    """The kinds ``git diff REF`` of ``brand``'s directory touches, and their reach (see module).
    An :class:`~omsform.errors.OmsformError` when git, the repository or REF is missing."""
    diff = _diff(brand.path, ref)
    selection = _select(diff, brand, _resources())
    if not selection.partial:
        return selection
    return dataclasses.replace(selection, digest=brand.digest_without(selection.left_out))


def _diff(directory: Path, ref: str) -> gitdiff.BrandDiff:
    if not ref.strip():  # an unset CI variable, most likely: say so rather than plan it all
        raise PlanError("--changed-since needs a git REF (a branch, tag or commit); it was empty")
    return gitdiff.BrandDiff(directory, ref)


def load_changed(
    directory: Path, ref: str, load: Callable[[Collection[str] | None], Brand]
) -> tuple[Brand, Selection]:
    """Load only what ``--changed-since REF`` needs, and select (see :func:`select_changed`).

    ``load(kinds)`` loads the brand reading only the files that declare ``kinds`` (all files
    for ``None``). Read: the changed kinds, every kind whose objects may need one of them
    (:func:`omsform.plan.select.may_need`) and, once loaded, every kind the selection compares
    or the changed objects' hooks name, until nothing is missing. So the kinds compared and
    their objects are those a full load gives; kinds left out may be unread.
    """
    diff = _diff(directory, ref)
    resources = _resources()
    changed, why = diff.changed_kinds({}, set(resources))
    if why:
        brand = load(None)
        return brand, _select(diff, brand, resources)
    scans = partial.scan_brand(directory, set(resources))
    wanted = changed | select.may_need(resources, partial.mentions_by_kind(scans), changed)
    while True:
        brand = load(sorted(wanted))
        if not brand.partial:
            return brand, _select(diff, brand, resources)
        selection = _select(diff, brand, resources)
        unread = {k for kinds in brand.unread.values() for k in kinds}
        missing = (_must_read(brand, selection, resources, scans) - wanted) & unread
        if not selection.partial:
            brand = load(None)  # the changes reach every kind: the full plan reads every file
            return brand, _select(diff, brand, resources)
        if not missing:  # the brand's digest: of what the plan compares (apply checks that)
            return dataclasses.replace(brand, digest_left_out=selection.left_out), selection
        wanted |= missing  # a kind the selection needs is unread: read it too


def _must_read(
    brand: Brand, selection: Selection, resources: Mapping[str, Any], scans: Mapping[str, Any]
) -> set[str]:
    """What the selection made from ``brand`` needs loaded in full: the kinds it compares and
    every kind their objects reference or their hooks name (so those objects' dependencies
    are a full load's), and the kinds whose objects may need a changed kind."""
    compared = set(selection.compared or ())
    objects = [d for d in brand.desired.values() if d.kind in compared]
    prune = brand.config.manage.prune
    return (
        set(select.kinds_to_read(brand.desired, resources, prune, compared))
        | compared
        | select.named_by_hooks(objects, resources)
        | select.may_need(resources, partial.mentions_by_kind(scans), selection.changed)
    )


def _select(diff: gitdiff.BrandDiff, brand: Brand, resources: Mapping[str, Any]) -> Selection:
    """The selection for ``brand`` as loaded (fully or for the kinds it needs)."""
    changed, why = diff.changed_kinds(_kinds_by_file(brand), set(resources))
    name = str(brand.path)
    if why:
        return Selection(diff.ref, name, why_full=why)
    prune = brand.config.manage.prune
    unread = {k for kinds in brand.unread.values() for k in kinds}
    managed = select.managed_kinds(brand.desired, prune) | unread
    graph = select.kind_graph(brand.desired, resources, prune)
    compared = select.reach(changed, graph) & managed
    left_out = tuple(sorted(managed - compared))
    if not left_out:
        return Selection(
            diff.ref, name, frozenset(changed), why_full="the changes reach every kind"
        )
    return Selection(
        diff.ref,
        name,
        frozenset(changed),
        frozenset(compared),
        left_out,
        unread=tuple(brand.unread),
    )


def _kinds_by_file(brand: Brand) -> dict[str, set[str]]:
    """Resource file name → the kinds of the objects loaded from it."""
    found: dict[str, set[str]] = {}
    for d in brand.desired.values():
        if d.location.file:
            name = Path(d.location.file.removesuffix(" (rendered)")).name
            found.setdefault(name, set()).add(d.kind)
    return found


def kinds_to_read(brand: Brand, selection: Selection | None) -> list[str]:
    """What to read: the full plan's kinds, or for a partial one only what it compares needs."""
    from omsform.engine.run import kinds_to_read as every_kind

    if selection is None or selection.compared is None:
        return every_kind(brand)
    prune = brand.config.manage.prune
    return select.kinds_to_read(brand.desired, _resources(), prune, selection.compared)


def narrowed(inputs: PlanInputs, selection: Selection | None) -> PlanInputs:
    """``inputs`` with only the compared kinds' declared objects and pruned kinds."""
    if selection is None or selection.compared is None:
        return inputs
    return select.narrow_inputs(inputs, selection.compared)


def mark(plan: Plan, selection: Selection | None) -> Plan:
    """``plan`` saying it is partial (``complete: false``, ``left_out``, ``changed_since``),
    with the digest of what it compared (apply checks that, see :func:`check_digest`)."""
    if selection is None or selection.compared is None:
        return plan
    return plan.model_copy(
        update={
            "complete": False,
            "left_out": selection.left_out,
            "changed_since": selection.ref,
            "config_digest": selection.digest or plan.config_digest,
        }
    )


def check_digest(plan: Plan, brand: Brand) -> None:
    """A :class:`PlanError` when the YAML a saved plan compared changed since (a partial plan:
    the configuration and the kinds it compared; any other: the whole brand)."""
    if plan.config_digest != brand.digest_without(plan.left_out):
        raise PlanError("the brand's YAML changed since this plan was made: run plan again")


def every_kind(brand: Brand) -> list[str]:
    """The kinds a full plan of ``brand`` reads, the kinds of files a partial load left unread
    included (a partial plan names every provider the brand uses, as apply checks them all)."""
    from omsform.engine.run import kinds_to_read as every

    unread = {k for kinds in brand.unread.values() for k in kinds}
    return sorted(set(every(brand)) | unread)


@contextmanager
def explained(selection: Selection | None) -> Iterator[None]:
    """A plan error of a partial plan says so: its references into kinds read only to check
    them see the live objects, not the YAML of kinds left out."""
    try:
        yield
    except UnsafePlanError:
        raise
    except PlanError as exc:
        if selection is None or selection.compared is None:
            raise
        raise PlanError(
            f"{exc}\n(a partial plan, --changed-since {selection.ref}: objects of the kinds it "
            "left out are checked against the live systems only; plan without --changed-since "
            "to plan the whole brand)"
        ) from exc


def refuse_left_out(plan: Plan) -> None:
    """A :class:`PlanError` when a saved partial plan changes a kind it says it did not read
    (the file was edited): apply touches only kinds the plan compared."""
    touched = sorted({c.address for c in plan.changes if c.kind in set(plan.left_out)})
    if touched:
        raise PlanError(
            "the saved plan changes kinds it did not read (was the file edited?): "
            + ", ".join(touched)
            + ". Plan again."
        )
