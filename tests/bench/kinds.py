"""A kind as the workload uses it: which fields its objects carry and what they point at.

Each object's YAML is kept near ``budget`` bytes by leaving out optional fields that do not fit,
so W5k stays "about 1 MB" whatever the kinds. A field that references another kind (found by
asking the kind's own ``references``) is pointed at one of the first :data:`TARGETS` objects of
that kind, which every workload and probe declares.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError

from omsform.contract.resource import Resource
from omsform.contract.spec import Spec
from tests.bench.hints import hinted_fields, with_hints
from tests.bench.synth import synth_fields

TARGETS = 3


@dataclass(frozen=True)
class Ref:
    """A top-level field holding the natural key(s) of ``target`` objects."""

    field: str
    target: BenchKind
    many: bool  # a collection of keys rather than one


@dataclass(frozen=True)
class BenchKind:
    """A kind chosen for the workload: how to write its object number ``i``."""

    kind: str
    provider: str
    resource: type[Resource[Any]]
    level: str
    fields: tuple[str, ...]  # which spec fields the YAML writes (budget permitting)
    refs: tuple[Ref, ...] = ()
    seeded: bool = False  # its objects are put in the sandbox's store, never created by apply

    @property
    def tag(self) -> str:
        """Short code used in generated keys (``oms_stock_location`` → ``SL``)."""
        return kind_tag(self.kind)

    def local_name(self, i: int) -> str:
        """The object's local name: its key when the kind fills the key from the name."""
        name_field = self.resource.name_field
        if name_field:
            return str(self.values(i)[name_field])
        return f"b{i:05d}"

    def values(self, i: int) -> dict[str, Any]:
        """Every field object ``i`` has, references pointed at existing targets."""
        out = synth_fields(
            self.resource.spec_model,
            i,
            level=self.level,
            unique=self.resource.key_fields,
            tag=self.tag,
        )
        out = with_hints(self.kind, out, i)
        for ref in self.refs:
            key = ref.target.key_of(i % TARGETS)
            out[ref.field] = [key] if ref.many else key
        return out

    def key_of(self, i: int) -> str:
        """Natural key of object ``i`` (what references to it hold)."""
        values = self.values(i)
        return "|".join(str(values[f]) for f in self.resource.key_fields)

    def body(self, i: int) -> dict[str, Any]:
        """The fields written in YAML for object ``i`` (the name field comes from the name)."""
        values = self.values(i)
        skip = self.resource.name_field
        return {k: values[k] for k in self.fields if k in values and k != skip}

    def spec(self, body: dict[str, Any], i: int) -> Spec:
        """``body`` of object ``i`` as ``load_brand`` would validate it."""
        name_field = self.resource.name_field
        full = {**body, name_field: self.local_name(i)} if name_field else body
        return self.resource.spec_model.model_validate(full)

    def edit(self, body: dict[str, Any], i: int) -> dict[str, Any]:
        """``body`` with one field changed so that it is a plain update (not a key, immutable
        or reference field, and still valid)."""
        fixed = {*self.resource.key_fields, *self.resource.immutable, self.resource.name_field}
        fixed |= {r.field for r in self.refs}
        for name, value in body.items():
            if name in fixed:
                continue
            candidate = {**body, name: _changed(value)}
            if candidate[name] == value:
                continue
            try:
                self.spec(candidate, i)
            except ValidationError:
                continue
            return candidate
        raise ValueError(f"{self.kind}: no field the benchmark can change in a plain update")


def _changed(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    return value


def kind_tag(kind: str) -> str:
    """Initials of the kind's words after the provider prefix."""
    words = kind.split("_")[1:] or [kind]
    return "".join(w[0] for w in words if w).upper()


def secret_fields(resource: type[Resource[Any]]) -> set[str]:
    """Top-level fields holding (or containing) write-only values."""
    return {p.split(".")[0].split("[")[0] for p in resource.write_only}


def choose_fields(resource: type[Resource[Any]], level: str, budget: int) -> tuple[str, ...]:
    """Required fields, then optional ones in declaration order while the YAML fits ``budget``.
    Optional write-only fields are left out (secrets are not what W5k measures); fields with a
    prescribed value (:mod:`tests.bench.hints`) are always written."""
    sample = synth_fields(
        resource.spec_model, 0, level=level, unique=resource.key_fields, tag=kind_tag(resource.kind)
    )
    model_fields = resource.spec_model.model_fields
    always = hinted_fields(resource.kind)  # prescribed values hold no secret (a demo `conf`)
    sample = {k: v for k, v in sample.items() if k not in secret_fields(resource) - always}
    sample = with_hints(resource.kind, sample, 0)
    chosen = [n for n in sample if model_fields[n].is_required() or n in always]
    size = sum(_yaml_size(n, sample[n]) for n in chosen)
    for name in sample:
        if name in chosen:
            continue
        extra = _yaml_size(name, sample[name])
        if size + extra <= budget:
            chosen.append(name)
            size += extra
    return tuple(n for n in sample if n in chosen)


def _yaml_size(name: str, value: Any) -> int:
    text = yaml.safe_dump({name: value}, default_flow_style=False, sort_keys=False)
    return len(text) + 4 * text.count("\n")  # written four spaces deep (kind → name → field)


def find_refs(candidate: BenchKind, available: dict[str, BenchKind]) -> tuple[Ref, ...]:
    """The fields of ``candidate``'s objects that reference other kinds, each pointed at a kind
    in ``available``; ``ValueError`` when a target kind is not available or the reference
    sits inside a nested field."""
    refs: dict[str, Ref] = {}
    for i in range(TARGETS):
        body = candidate.body(i)
        for kind, key in candidate.resource.references(candidate.spec(body, i)):
            if kind not in available:
                raise ValueError(f"its objects reference {kind}, which is not in the workload")
            field = _field_holding(body, key)
            if field is None:
                raise ValueError(f"its objects reference {kind} from inside a nested field")
            many = not isinstance(body[field], str)
            refs[field] = Ref(field, available[kind], many)
    return tuple(refs.values())


def _field_holding(body: dict[str, Any], key: str) -> str | None:
    for name, value in body.items():
        if value == key or (isinstance(value, list | tuple | set | frozenset) and key in value):
            return name
    return None
