"""``${...}`` interpolation, resolved by omsform after Jinja so the plan knows about it.

=================================  =========================================================
``${kind.name}``                   the natural key of that declared resource (a dependency)
``${kind.name.attr}``              one attribute of that resource's validated spec
``${env.NAME}``                    environment variable NAME; missing → problem
``${secret.NAME}``                 environment variable NAME, marked secret; missing → problem,
                                   or the placeholder ``<secret:NAME>`` when offline
``$${``                            a literal ``${``
=================================  =========================================================

A string that is exactly one ``${...}`` takes the referenced value with its type (an int stays
an int); otherwise every reference is formatted into the string.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from omsform.lang.suggest import did_you_mean
from omsform.secrets.mask import short_secret_warning

Path = tuple[str | int, ...]
TOKEN = re.compile(r"\$\$\{|\$\{([^}]*)\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_PART = re.compile(r"[A-Za-z0-9_-]+\Z")
_PLACEHOLDER = re.compile(r"<(secret|env|unresolved):[^<>]*>\Z")


def is_placeholder(value: str) -> bool:
    """True for the stand-ins put where a value is missing (``<secret:NAME>``, …)."""
    return bool(_PLACEHOLDER.match(value))


@dataclass(frozen=True)
class Ref:
    """One parsed ``${...}``: ``scope`` is ``env``, ``secret`` or ``resource``."""

    scope: str
    name: str
    attr: tuple[str, ...] = ()


def parse_ref(expr: str) -> Ref | str:
    """The reference inside ``${expr}``, or an error sentence."""
    parts = expr.strip().split(".")
    if parts[0] in ("env", "secret"):
        if len(parts) == 2 and _NAME.match(parts[1]):
            return Ref(parts[0], parts[1])
        return f"'${{{expr}}}' must be ${{{parts[0]}.NAME}} with an environment variable name"
    if len(parts) >= 2 and all(_PART.match(p) for p in parts):
        return Ref("resource", f"{parts[0]}.{parts[1]}", tuple(parts[2:]))
    return f"'${{{expr}}}' is not a reference: use ${{kind.name}}, ${{kind.name.field}}, " + (
        "${env.NAME} or ${secret.NAME}"
    )


def scan(value: Any, path: Path = ()) -> Iterator[tuple[Path, Ref | str]]:
    """Every reference (or malformed ``${...}``) in ``value`` with the path of its string."""
    if isinstance(value, str):
        if "${" in value:
            for match in TOKEN.finditer(value):
                if match.group(1) is not None:
                    yield path, parse_ref(match.group(1))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from scan(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from scan(item, (*path, index))


def mentions_refs(value: Any) -> bool:
    """True when some string in ``value`` holds ``${`` (a reference, or a malformed one): the
    rest need neither :func:`scan` nor :meth:`Resolver.resolve`. One flat pass, no paths."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "${" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


@dataclass(frozen=True)
class Target:
    """What a reference may read of a resolved resource."""

    key: str
    fields: Mapping[str, Any]
    secret_paths: frozenset[str] = frozenset()


@dataclass
class Outcome:
    """The result of resolving one tree: value, and everything learnt on the way."""

    value: Any = None
    problems: list[tuple[Path, str, str]] = field(default_factory=list)
    warnings: list[tuple[Path, str, str]] = field(default_factory=list)
    depends_on: set[str] = field(default_factory=set)
    secrets: set[str] = field(default_factory=set)
    secret_refs: list[tuple[Path, str]] = field(default_factory=list)
    unresolved: set[Path] = field(default_factory=set)
    placeholders: set[Path] = field(default_factory=set)

    def doubtful(self, path: Path) -> bool:
        """True when the value at ``path`` is not the user's (a placeholder, an unresolved
        reference, a reported problem): validation errors there would only repeat that."""
        return any(path[: len(p)] == p for p in self._doubtful())

    def _doubtful(self) -> set[Path]:
        return self.unresolved | self.placeholders | {p for p, _, _ in self.problems}


class Resolver:
    """Resolves references against the environment and already-resolved resources.

    ``offline`` puts ``<secret:NAME>`` in place of missing secrets; ``placeholders`` does the
    same for missing ``${env.NAME}`` (``<env:NAME>``), for provider blocks that will not be
    used (the embedded sandbox replaces them). ``targets`` maps addresses to resolved
    resources; ``declared`` tells whether an address is declared at all (a declared target that
    is not in ``targets`` failed validation: its own problem is reported there and references
    to it are skipped silently).
    """

    def __init__(
        self,
        environ: Mapping[str, str],
        *,
        offline: bool,
        placeholders: bool = False,
        targets: Mapping[str, Target] | None = None,
        declared: Callable[[str], bool] = lambda _: False,
        addresses: Callable[[], list[str]] = list,
    ) -> None:
        self.environ, self.offline, self.placeholders = environ, offline, placeholders
        self.targets = targets if targets is not None else {}
        self.declared, self.addresses = declared, addresses

    def resolve(self, value: Any, *, allow_resources: bool = True) -> Outcome:
        """``value`` with every ``${...}`` replaced; problems are reported, never raised."""
        out = Outcome()
        out.value = self._walk(value, (), out, allow_resources)
        return out

    def _walk(self, value: Any, path: Path, out: Outcome, allow: bool) -> Any:
        if isinstance(value, str):
            return self._string(value, path, out, allow) if "${" in value else value
        if isinstance(value, dict):
            return {k: self._walk(v, (*path, k), out, allow) for k, v in value.items()}
        if isinstance(value, list):
            return [self._walk(v, (*path, i), out, allow) for i, v in enumerate(value)]
        return value

    def _string(self, text: str, path: Path, out: Outcome, allow: bool) -> Any:
        whole = TOKEN.fullmatch(text)
        if whole and whole.group(1) is not None:
            return self._one(whole.group(1), path, out, allow)
        pieces: list[str] = []
        last = 0
        for match in TOKEN.finditer(text):
            pieces.append(self._literal(text[last : match.start()], path, out))
            last = match.end()
            if match.group(1) is None:
                pieces.append("${")
                continue
            found = self._one(match.group(1), path, out, allow)
            pieces.append(found if isinstance(found, str) else json.dumps(found))
        pieces.append(self._literal(text[last:], path, out))
        return "".join(pieces)

    def _literal(self, text: str, path: Path, out: Outcome) -> str:
        if "${" in text:
            out.problems.append((path, "'${' without a closing '}'", "write $${ for a literal ${"))
        return text

    def _one(self, expr: str, path: Path, out: Outcome, allow: bool) -> Any:
        ref = parse_ref(expr)
        if isinstance(ref, str):
            out.problems.append((path, ref, ""))
            return ""
        if ref.scope == "env":
            return self._env(ref.name, path, out)
        if ref.scope == "secret":
            return self._secret(ref.name, path, out)
        if not allow:
            out.problems.append((path, "only ${env.NAME} and ${secret.NAME} may be used here", ""))
            return ""
        return self._resource(ref, path, out)

    def _env(self, name: str, path: Path, out: Outcome) -> str:
        if name in self.environ:
            return self.environ[name]
        if self.placeholders:
            out.placeholders.add(path)
            return f"<env:{name}>"
        out.problems.append(
            (path, f"environment variable {name} is not set", f"export {name}=… before running")
        )
        return ""

    def _secret(self, name: str, path: Path, out: Outcome) -> str:
        out.secret_refs.append((path, name))
        if name in self.environ:
            value = self.environ[name]
            if value:
                out.secrets.add(value)
            if (short := short_secret_warning(name, value)) is not None:
                out.warnings.append((path, *short))
            return value
        if self.offline or self.placeholders:
            out.placeholders.add(path)
        else:
            message = f"secret {name} is not set (secrets are read from the environment)"
            out.problems.append((path, message, f"export {name}=… before running"))
        return f"<secret:{name}>"

    def _resource(self, ref: Ref, path: Path, out: Outcome) -> Any:
        target = self.targets.get(ref.name)
        if target is None:
            if self.declared(ref.name):
                out.depends_on.add(ref.name)
                out.unresolved.add(path)
            else:
                kind = ref.name.split(".", 1)[0] + "."
                declared = self.addresses()
                same_kind = [a for a in declared if a.startswith(kind)]
                hint = did_you_mean(ref.name, same_kind or declared)
                out.problems.append((path, f"reference to undeclared resource {ref.name}", hint))
            return f"<unresolved:{ref.name}>"
        out.depends_on.add(ref.name)
        if not ref.attr:
            return target.key
        return self._attribute(ref, target, path, out)

    def _attribute(self, ref: Ref, target: Target, path: Path, out: Outcome) -> Any:
        value: Any = target.fields
        for depth, step in enumerate(ref.attr):
            if isinstance(value, Mapping) and step in value:
                value = value[step]
            else:
                where = ".".join((ref.name, *ref.attr[:depth]))
                names = list(value) if isinstance(value, Mapping) else []
                out.problems.append(
                    (path, f"{where} has no field '{step}'", did_you_mean(step, names))
                )
                return f"<unresolved:{ref.name}>"
        attr = ".".join(ref.attr)
        if any(_covers(secret, attr) for secret in target.secret_paths):
            out.secret_refs.append((path, f"{ref.name}.{attr}"))
        return value


def _covers(secret_path: str, attr: str) -> bool:
    """True when the value at ``attr`` is (or contains, or is inside) a secret path."""
    plain = secret_path.replace("[]", "")
    return plain == attr or plain.startswith(attr + ".") or attr.startswith(plain + ".")
