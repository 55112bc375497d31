"""Declared resources → :class:`~omsform.contract.spec.Desired`: references, validation,
cross-checks.

Resources are resolved in dependency order so that ``${kind.name}`` and
``${kind.name.field}`` read an already validated target. A resource whose target failed is
still validated (the unresolved field is skipped), so its other problems are reported too.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import ValidationError

from omsform.contract.provider import Provider
from omsform.contract.resource import Resource
from omsform.contract.spec import Desired
from omsform.dag import components, cycle_path, is_cycle
from omsform.errors import Location, Problem
from omsform.lang import fields as lang_fields
from omsform.lang.digest import DigestForm
from omsform.lang.fields import aliases, field_path, partial_key, present, split_exclusive
from omsform.lang.files import Declared
from omsform.lang.interpolate import Outcome, Resolver, Target, is_placeholder, mentions_refs, scan
from omsform.lang.lost import lost_declarations
from omsform.lang.model_errors import Path, dotted, model_problems
from omsform.lang.nodes import find
from omsform.paths import to_plain
from omsform.secrets.mask import text_secrets

Kinds = Mapping[str, tuple[Provider, type[Resource[Any]]]]
T = TypeVar("T")


@dataclass
class Built:
    """The desired objects, the secret values they hold, and their secret-free digest forms."""

    desired: dict[str, Desired[Any]] = field(default_factory=dict)
    secrets: set[str] = field(default_factory=set)
    digest_forms: dict[str, DigestForm] = field(default_factory=dict)


def build_desired(
    declared: list[Declared],
    kinds: Kinds,
    environ: Mapping[str, str],
    offline: bool,
    problems: list[Problem],
    warnings: list[Problem],
    *,
    partial: bool = False,
) -> Built:
    """Resolve, validate and cross-check ``declared``; problems and warnings are appended.
    ``partial``: ``declared`` is only part of the brand (a partial load), so checks that look
    across kinds keep their errors but drop their warnings, which may be false."""
    builder = _Builder(declared, kinds, environ, offline, problems, warnings)
    builder.partial = partial
    return builder.run()


def _pos(location: Location) -> str:
    return f"{location.file}:{location.line}:{location.column}"


class _Builder:
    def __init__(
        self,
        declared: list[Declared],
        kinds: Kinds,
        environ: Mapping[str, str],
        offline: bool,
        problems: list[Problem],
        warnings: list[Problem],
    ) -> None:
        self.kinds, self.problems, self.warnings = kinds, problems, warnings
        self.environ, self.offline = environ, offline
        self.by_address: dict[str, Declared] = {}
        for item in declared:
            first = self.by_address.setdefault(item.address, item)
            if first is not item:
                message = f"{item.address} is declared twice (first at {_pos(first.location)})"
                problems.append(Problem(item.location, message))
        self.targets: dict[str, Target] = {}
        # natural keys of objects that failed validation elsewhere than in their key fields:
        # duplicates among them are reported in the same pass as the schema errors
        self.partial_keys: dict[str, str] = {}
        self.built = Built()
        self.literal: set[str] = set()  # addresses whose body holds no ${...} (see run)
        self.partial = False  # only part of the brand was read (see build_desired)
        # kinds written in a file that failed to load: a reference into one may be fine
        self.lost = lost_declarations(declared, kinds, problems)
        self.resolver = Resolver(
            environ,
            offline=offline,
            targets=self.targets,
            declared=self._maybe_declared,
            addresses=lambda: sorted(self.by_address),
        )

    def _maybe_declared(self, address: str) -> bool:
        return address in self.by_address or self.lost.covers(address)

    def run(self) -> Built:
        # most objects of a large brand hold no ${...}: one cheap pass spares them both walks
        self.literal = {a for a, item in self.by_address.items() if not mentions_refs(item.body)}
        edges = {
            address: set()
            if address in self.literal
            else {
                ref.name
                for _, ref in scan(item.body)
                if not isinstance(ref, str)
                and ref.scope == "resource"
                and ref.name in self.by_address
            }
            for address, item in self.by_address.items()
        }
        reported: list[set[str]] = []
        for component in components(edges):
            cyclic = is_cycle(component, edges)
            if cyclic:
                self._cycle(component, edges)
                reported.append(set(component))
            for address in component:
                self._build(self.by_address[address], register=not cyclic)
        self._duplicate_keys()
        self._reference_edges(reported)
        self._checks()
        return self.built

    def _cycle(self, component: list[str], edges: Mapping[str, set[str]]) -> None:
        path = cycle_path(component, edges)
        first = self.by_address[path[0]]
        message = f"dependency cycle: {' → '.join(path)}"
        self.problems.append(Problem(first.location, message, "break one of these references"))

    def _build(self, item: Declared, *, register: bool) -> None:
        _, resource = self.kinds[item.kind]
        model = resource.spec_model
        # without ${...} resolving changes nothing (the body is only read from here on)
        literal = item.address in self.literal
        out = Outcome(value=item.body) if literal else self.resolver.resolve(item.body)
        for path, message, hint in out.problems:
            self.problems.append(Problem(self._locate(item, path), message, hint))
        for path, message, hint in out.warnings:
            self.warnings.append(Problem(self._locate(item, path), message, hint, "warning"))
        data, exclusive, bad = split_exclusive(
            item, resource, out.value, lambda p: self._locate(item, p)
        )
        if bad is not None:
            self.problems.append(bad)
        names = aliases(model, resource.name_field) if resource.name_field else set()
        if resource.name_field and not names & data.keys():
            data = {**data, resource.name_field: item.name}
        secret_refs = {p for p, _ in out.secret_refs}
        try:
            spec = model.model_validate(data)
        except ValidationError as err:
            self.problems.extend(
                model_problems(
                    err,
                    model,
                    data,
                    lambda p, at_key: self._locate(item, p, at_key),
                    is_secret=lambda p: any(p[: len(s)] == s for s in secret_refs),
                    skip=out.doubtful,
                )
            )
            if key := partial_key(resource, data, err, out):
                self.partial_keys[item.address] = key
            return
        if not (out.problems or out.unresolved) and exclusive is not None:
            self._register(item, resource, spec, out, register, exclusive)

    def _register(
        self,
        item: Declared,
        resource: type[Resource[Any]],
        spec: Any,
        out: Outcome,
        register: bool,
        exclusive: frozenset[str],
    ) -> None:
        secret_paths = frozenset(field_path(resource.spec_model, p) for p, _ in out.secret_refs)
        fields = to_plain(spec)  # sets sorted: the digest must not depend on hash order
        hidden = sorted(secret_paths | set(resource.write_only))
        found = text_secrets(fields, secret_paths, present(fields, resource.write_only), plain=True)
        self.built.secrets.update(v for v in found if not is_placeholder(v))
        self.built.secrets |= out.secrets
        key = self._guard(item, "key", lambda: resource.key(spec)) or ""
        self.built.digest_forms[item.address] = DigestForm(
            item.kind,
            fields,
            tuple(hidden),
            tuple(f"{dotted(p)}={name}" for p, name in out.secret_refs),
            exclusive,
        )
        self.built.desired[item.address] = Desired(
            address=item.address,
            kind=item.kind,
            name=item.name,
            spec=spec,
            depends_on=frozenset(out.depends_on),
            secret_paths=secret_paths,
            exclusive=exclusive,
            location=item.location,
        )
        if register:
            self.targets[item.address] = Target(key, fields, frozenset(hidden))

    def _locate(self, item: Declared, path: Path, at_key: bool = False) -> Location:
        node = find(item.node, path, key=at_key) if path else None
        if node is None or node is item.node:
            return item.location
        return item.doc.locate(node, item.address)

    def _duplicate_keys(self) -> None:
        seen: dict[tuple[str, str], str] = {}
        keys = {a: t.key for a, t in self.targets.items()} | self.partial_keys
        for address, key in sorted(keys.items()):
            kind = address.split(".", 1)[0]
            first = seen.setdefault((kind, key), address)
            if first != address:
                item, other = self.by_address[address], self.by_address[first]
                message = (
                    f"duplicate natural key '{key}' of {kind}: {first} "
                    f"({_pos(other.location)}) and {address} ({_pos(item.location)})"
                )
                self.problems.append(Problem(item.location, message))

    def _reference_edges(self, reported: list[set[str]]) -> None:
        """Plain natural keys that name a declared object are dependency edges too, and so are
        the declared objects a kind's ``comes_after`` names."""
        by_key = {(a.split(".", 1)[0], t.key): a for a, t in self.targets.items()}
        desired = self.built.desired
        for address, item in list(desired.items()):
            resource = self.kinds[item.kind][1]
            if not lang_fields.edge_hooks(resource):
                continue  # neither hook can name anything (most kinds): nothing to add
            node = self.by_address[address]
            refs = self._guard(node, "references", _listed(resource.references, item.spec))
            after = self._guard(node, "comes_after", _listed(resource.comes_after, item.spec))
            extra = {by_key[r] for r in refs or () if r in by_key}
            extra |= {a for a in after or () if a in desired}
            extra -= item.depends_on | {address}
            if extra:
                desired[address] = dataclasses.replace(item, depends_on=item.depends_on | extra)
        # only an object that depends on something can be in a cycle
        edges = {a: set(d.depends_on) for a, d in desired.items() if d.depends_on}
        for component in components(edges):
            if is_cycle(component, edges) and not any(set(component) <= r for r in reported):
                self._cycle(component, edges)

    def _checks(self) -> None:
        by_kind: dict[str, dict[str, Desired[Any]]] = {}
        for address, item in sorted(self.built.desired.items()):
            by_kind.setdefault(item.kind, {})[address] = item
        # kinds with a declared object that failed: a cross-object check that looks at one of
        # them saw only part of the brand, so its warnings may be false (its errors are kept)
        failed = {a.split(".", 1)[0] for a in self.by_address if a not in self.built.desired}
        failed |= self.lost.touched()
        for kind, group in sorted(by_kind.items()):
            resource = self.kinds[kind][1]
            anchor = self.by_address[next(iter(group))]
            hooks = (
                ("check", functools.partial(resource.check, group), kind in failed),
                (
                    "check_brand",
                    functools.partial(resource.check_brand, group, self.built.desired),
                    bool(failed) or self.partial,
                ),
            )
            for what, call, partial in hooks:
                for problem in self._guard(anchor, what, call) or []:
                    if not (partial and problem.severity == "warning"):
                        self._report(group, problem)

    def _report(self, group: Mapping[str, Desired[Any]], problem: Problem) -> None:
        target = group.get(problem.location.address)
        if target is not None and not problem.location.file:
            problem = dataclasses.replace(problem, location=target.location)
        (self.warnings if problem.severity == "warning" else self.problems).append(problem)

    def _guard(self, item: Declared, what: str, call: Callable[[], T]) -> T | None:
        """Run a kind's hook; a crash in it becomes a problem instead of a traceback."""
        try:
            return call()
        except Exception as err:
            message = f"internal error in {item.kind}.{what}(): {type(err).__name__}: {err}"
            self.problems.append(Problem(item.location, message, "please report this bug"))
            return None


def _listed(hook: Callable[[Any], Iterable[T]], spec: Any) -> Callable[[], list[T]]:
    return lambda: list(hook(spec))
