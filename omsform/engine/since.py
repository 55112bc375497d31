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
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from omsform.contract.provider import discover
from omsform.engine import gitdiff
from omsform.errors import PlanError, UnsafePlanError
from omsform.lang.config import CONFIG_FILE, VARS_FILE
from omsform.lang.load import Brand
from omsform.plan import select
from omsform.plan.build import PlanInputs
from omsform.plan.model import Plan

LEDGER = ".omsform/ledger.json"


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
        return (
            f"{head}: changed {', '.join(sorted(self.changed))}; compared "
            f"{', '.join(sorted(self.compared))}; left out (not read): {', '.join(self.left_out)}."
        )


def _count(kinds: Collection[str]) -> str:
    return f"{len(kinds)} kind{'s' if len(kinds) != 1 else ''}"


def _resources() -> dict[str, Any]:
    return {k: cls for p in discover().values() for k, cls in p.kinds().items()}


def select_changed(brand: Brand, ref: str) -> Selection:
    """The kinds ``git diff REF`` of ``brand``'s directory touches, and their reach (see module).
    An :class:`~omsform.errors.OmsformError` when git, the repository or REF is missing."""
    if not ref.strip():  # an unset CI variable, most likely: say so rather than plan it all
        raise PlanError("--changed-since needs a git REF (a branch, tag or commit); it was empty")
    commit = gitdiff.check_ref(brand.path, ref)
    resources = _resources()
    paths = gitdiff.changed_paths(brand.path, commit)
    changed, why = _changed_kinds(brand, commit, ref, paths, set(resources))
    name = str(brand.path)
    if why:
        return Selection(ref, name, why_full=why)
    prune = brand.config.manage.prune
    managed = select.managed_kinds(brand.desired, prune)
    graph = select.kind_graph(brand.desired, resources, prune)
    compared = select.reach(changed, graph) & managed
    left_out = tuple(sorted(managed - compared))
    if not left_out:
        return Selection(ref, name, frozenset(changed), why_full="the changes reach every kind")
    return Selection(ref, name, frozenset(changed), frozenset(compared), left_out)


def _changed_kinds(
    brand: Brand, commit: str, ref: str, paths: list[str], known: set[str]
) -> tuple[set[str], str]:
    """(kinds the changed ``paths`` touch, "") or (…, why the plan must be full)."""
    loaded_from = _kinds_by_file(brand)
    kinds: set[str] = set()
    for path in paths:
        name = PurePosixPath(path)
        if path == LEDGER:
            now = brand.path / LEDGER
            new = now.read_text(encoding="utf-8") if now.is_file() else None
            found = gitdiff.ledger_kinds(gitdiff.text_at(brand.path, commit, path), new)
            if found is None:
                return kinds, f"{LEDGER} changed its salt or cannot be read at {ref}"
            kinds |= found
            continue
        if len(name.parts) != 1 or path.startswith(".") or name.suffix != ".yaml":
            continue  # not a file the brand is loaded from
        if path in (CONFIG_FILE, VARS_FILE):
            return kinds, f"{path} changed"
        old = gitdiff.text_at(brand.path, commit, path)
        before = gitdiff.top_level_kinds(old, known) if old is not None else set()
        if before is None:
            return kinds, f"{path} at {ref} has a templated top-level line"
        kinds |= before | loaded_from.get(path, set()) | _kinds_now(brand.path / path, known)
    return kinds & known, ""


def _kinds_by_file(brand: Brand) -> dict[str, set[str]]:
    """Resource file name → the kinds of the objects loaded from it."""
    found: dict[str, set[str]] = {}
    for d in brand.desired.values():
        if d.location.file:
            name = Path(d.location.file.removesuffix(" (rendered)")).name
            found.setdefault(name, set()).add(d.kind)
    return found


def _kinds_now(path: Path, known: set[str]) -> set[str]:
    """Kinds whose key the file has now, objects or not (``oms_webhook: {}`` empties a kind)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return set()
    return gitdiff.top_level_kinds(text, known) or set()


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
    """``plan`` saying it is partial (``complete: false``, ``left_out``, ``changed_since``)."""
    if selection is None or selection.compared is None:
        return plan
    return plan.model_copy(
        update={"complete": False, "left_out": selection.left_out, "changed_since": selection.ref}
    )


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
