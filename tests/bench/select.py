"""Which installed kinds go into the workload.

Every kind of every installed provider is considered. A kind is used when it can be created,
needs no write-only (secret) value, its keys take thousands of distinct values, whatever its
objects reference is itself in the workload, and a probe against an in-process sandbox (apply
:data:`~tests.bench.kinds.TARGETS` objects, then plan) comes back empty. Warnings are allowed
(issue 14: W5k covers every kind that can have thousands of objects, and thousands of settings
keys are necessarily keys omsform does not know). Kinds that reference others are tried again
once those are in. Kinds that cannot be created but can be numerous are seeded instead
(:mod:`tests.bench.seeded`).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from omsform.contract.provider import kind_index
from omsform.contract.resource import Resource
from omsform.errors import ConfigError, OmsformError
from tests.bench.kinds import TARGETS, BenchKind, choose_fields, find_refs, secret_fields
from tests.bench.synth import LEVELS, Unsupported
from tests.harness import BrandHarness

MAX_KINDS = 10
_LOCAL_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*\Z")


@dataclass
class Selection:
    """The kinds used and, for every other kind, why it was left out."""

    used: list[BenchKind] = field(default_factory=list)
    left_out: dict[str, str] = field(default_factory=dict)


def select_kinds(*, budget: int, seed: str = "empty") -> Selection:
    """Probe every installed kind (by name; referencing kinds after their targets); at most
    :data:`MAX_KINDS` are used."""
    selection = Selection()
    pending = sorted(kind_index().items())
    while pending:
        retry = []
        for kind, (provider, resource) in pending:
            available = {k.kind: k for k in selection.used}
            chosen, reason = _first_level_that_works(
                provider.name, resource, budget, seed, available
            )
            if chosen is not None and len(selection.used) < MAX_KINDS:
                selection.used.append(chosen)
                selection.left_out.pop(kind, None)
            elif chosen is not None:
                selection.left_out[kind] = f"only {MAX_KINDS} kinds are used"
            else:
                selection.left_out[kind] = reason
                if "not in the workload" in reason:
                    retry.append((kind, (provider, resource)))
        if len(retry) == len(pending) or not retry:
            break
        pending = retry
    return selection


def _first_level_that_works(
    provider: str,
    resource: type[Resource[Any]],
    budget: int,
    seed: str,
    available: dict[str, BenchKind],
) -> tuple[BenchKind | None, str]:
    if not resource.can_create:
        return None, "cannot be created through the API"
    model_fields = resource.spec_model.model_fields
    secret = sorted(f for f in secret_fields(resource) if model_fields[f].is_required())
    if secret:
        return None, f"requires write-only (secret) values: {', '.join(secret)}"
    reasons = []
    for level in LEVELS:
        try:
            plain = BenchKind(
                resource.kind, provider, resource, level, choose_fields(resource, level, budget)
            )
            candidate = replace(plain, refs=find_refs(plain, available))
            _check_offline(candidate)
            _probe(candidate, seed)
            candidate.edit(candidate.body(0), 0)  # P2 must be able to change it
        except (Unsupported, ValueError, OmsformError, AssertionError) as exc:
            reasons.append(f"{level}: {_one_line(exc)}")
            continue
        return candidate, ""
    texts = [r.split(": ", 1)[1] for r in reasons]
    return None, texts[-1] if len(set(texts)) == 1 else "; ".join(reasons[-2:])


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, ConfigError) and exc.problems:
        text = exc.problems[0].message
    elif hasattr(exc, "errors") and callable(exc.errors):  # pydantic: the first error only
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"]))
        text = f"{where}: {first['msg']}" if where else str(first["msg"])
    else:
        text = str(exc)
    return re.sub(r"\s+", " ", text)[:160]


def _check_offline(kind: BenchKind) -> None:
    """Distinct keys, valid local names, only the references arranged (ValueError otherwise)."""
    names = [kind.local_name(i) for i in range(TARGETS)]
    if len(set(names)) != len(names) or not all(_LOCAL_NAME.match(n) for n in names):
        raise ValueError(f"generated local names are not distinct valid names: {names}")
    specs = [kind.spec(kind.body(i), i) for i in range(TARGETS)]
    keys = {kind.resource.key(s) for s in specs}
    if len(keys) != len(specs):
        raise ValueError("its key takes too few values for thousands of objects")


def _probe(kind: BenchKind, seed: str) -> None:
    """Apply a few objects (and their targets) to an in-process sandbox; the next plan must be
    empty."""
    doc: dict[str, Any] = {}
    for each in _with_targets(kind):
        doc[each.kind] = {each.local_name(i): each.body(i) for i in range(TARGETS)}
    with tempfile.TemporaryDirectory(prefix="omsform-bench-probe-") as tmp:
        harness = BrandHarness(Path(tmp), seed=seed)
        harness.write({"probe.yaml": yaml.safe_dump(doc, sort_keys=False)})
        _, report = harness.apply()
        if report is None or not report.ok:
            failed = report.failed[0][1] if report and report.failed else report
            raise ValueError(f"apply failed: {failed}")
        again = harness.plan()
        if again.has_changes:
            raise ValueError(f"plan not empty after apply: {again.changes[0].address}")


def _with_targets(kind: BenchKind) -> list[BenchKind]:
    found = {kind.kind: kind}
    stack = [kind]
    while stack:
        for ref in stack.pop().refs:
            if ref.target.kind not in found:
                found[ref.target.kind] = ref.target
                stack.append(ref.target)
    return list(found.values())
