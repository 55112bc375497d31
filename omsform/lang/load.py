"""Loading a brand directory into typed desired objects: :func:`load_brand` → :class:`Brand`.

The pipeline (each step reports problems and carries on, so one run finds them all):

1. ``omsform.yaml`` → :class:`~omsform.lang.config.BrandConfig`, provider blocks validated by their
   provider's ``config_model`` (:mod:`omsform.lang.config`);
2. ``vars.yaml`` → the Jinja variable ``vars``;
3. every other ``*.yaml`` → Jinja → YAML nodes → kind / local name / fields
   (:mod:`omsform.lang.files`);
4. ``${...}`` resolved in dependency order, cycles reported (:mod:`omsform.lang.interpolate`,
   :mod:`omsform.dag`);
5. fields validated by each kind's ``spec_model`` (:mod:`omsform.lang.model_errors`), then duplicate
   natural keys and each kind's ``check``.

Any error ends in one :class:`~omsform.errors.ConfigError` holding every problem, sorted by
file, line and column, with secret values redacted.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from omsform.contract.provider import Provider, registry
from omsform.contract.spec import Desired
from omsform.errors import ConfigError, Location, Problem
from omsform.gcpause import gc_paused
from omsform.lang import partial as text_scan
from omsform.lang.config import CONFIG_FILE, VARS_FILE, BrandConfig, LoadedConfig, load_config
from omsform.lang.digest import DigestForm, digest
from omsform.lang.files import Declared, read_document, read_plain, read_resources
from omsform.lang.interpolate import Resolver, mentions_refs, scan
from omsform.lang.partial import FileScan, files_declaring, resource_files, scan_brand
from omsform.lang.resolve import Kinds, build_desired
from omsform.lang.template import is_template
from omsform.secrets.mask import redact


@dataclass(frozen=True)
class Brand:
    """A loaded, valid brand: its configuration and every declared object.

    ``desired`` is keyed by address, in address order. ``secrets`` holds every resolved secret
    value (for :func:`omsform.secrets.mask.redact`); it and the provider configs are left out of
    ``repr``. :attr:`digest` is a sha256 over the configuration and desired specs with every
    secret replaced by the *name* it came from, so it changes when the brand does and reveals
    nothing about secret values; it is computed when first asked for (``validate`` never is).
    """

    path: Path
    config: BrandConfig
    desired: dict[str, Desired[Any]]
    secrets: frozenset[str] = field(repr=False)
    warnings: tuple[Problem, ...]
    digest_forms: Mapping[str, DigestForm] = field(default_factory=dict, repr=False, compare=False)
    """Address → the secret-free canonical form of its desired object (what the digest hashes)."""
    provider_configs: Mapping[str, BaseModel] = field(
        default_factory=dict, repr=False, compare=False
    )
    unread: Mapping[str, frozenset[str]] = field(default_factory=dict, repr=False, compare=False)
    """A partial load (``load_brand(kinds=…)``): resource file → the kinds its top-level keys
    name, for each file not read, and the kinds whose objects were left out, for each file
    read for other kinds. Empty when every object was loaded."""
    digest_left_out: tuple[str, ...] = field(default=(), compare=False)
    """Kinds :attr:`digest` leaves out: a partial plan's (it records only what it compared)."""

    @property
    def partial(self) -> bool:
        """True when some objects were not loaded (``desired`` lacks them: see ``unread``)."""
        return bool(self.unread)

    @functools.cached_property
    def digest(self) -> str:
        """sha256 of the canonical, secret-free rendering of the configuration and every
        desired spec (see the class), but those of :attr:`digest_left_out`."""
        return self.digest_without(self.digest_left_out)

    def digest_without(self, kinds: Collection[str]) -> str:
        """:attr:`digest` leaving out the objects of ``kinds`` (a partial plan's left-out kinds:
        it records and checks only what it compared)."""
        left_out = set(kinds)
        forms = {a: f.form() for a, f in self.digest_forms.items() if f.kind not in left_out}
        return digest(self.config, forms)

    def provider_config(self, name: str) -> BaseModel:
        """The validated block of provider ``name`` (secrets resolved); ``ConfigError`` if none."""
        try:
            return self.provider_configs[name]
        except KeyError:
            where = Location(str(self.path / CONFIG_FILE))
            message = f"omsform.yaml has no valid 'providers.{name}' block"
            raise ConfigError([Problem(where, message, f"add providers.{name} to it")]) from None


def load_brand(
    path: str | Path,
    *,
    offline: bool = False,
    sandbox: bool = False,
    environ: Mapping[str, str] | None = None,
    providers: Mapping[str, Provider] | None = None,
    kinds: Collection[str] | None = None,
) -> Brand:
    """Load and validate the brand directory ``path``; raise ``ConfigError`` with every problem
    (errors and warnings, sorted by position) when there is any error.

    ``offline`` (``omsform validate``) uses ``<secret:NAME>`` for secrets missing from the
    environment instead of reporting them. ``sandbox`` does the same for the ``${env.…}`` and
    ``${secret.…}`` of provider blocks only (the embedded sandbox replaces those blocks, so
    :meth:`Brand.provider_config` may then be missing); resource secrets are still required.
    ``environ`` defaults to ``os.environ``; ``providers`` to the installed ones
    (:func:`omsform.contract.provider.registry`).

    ``kinds`` (a partial load, ``plan --changed-since``): read only the resource files that may
    declare one of them (told from their text, :mod:`omsform.lang.partial`), and those that
    declare a kind their ``${…}`` name, until none is missing; :attr:`Brand.unread` names the
    rest. Checks across kinds (a kind's ``check_brand``) then keep their errors only.
    """
    with gc_paused():  # parsing makes many objects and no cycles: see omsform.gcpause
        return _load(Path(path), offline, sandbox, environ, providers, kinds)


def _load(
    directory: Path,
    offline: bool,
    sandbox: bool,
    environ: Mapping[str, str] | None,
    providers: Mapping[str, Provider] | None,
    wanted: Collection[str] | None,
) -> Brand:
    problems: list[Problem] = []
    warnings: list[Problem] = []
    if not directory.is_dir():
        message = "brand directory not found" if not directory.exists() else "not a directory"
        raise ConfigError([Problem(Location(str(directory)), message)])
    installed = _providers(providers, problems)
    kinds: Kinds = {k: (p, r) for p in installed.values() for k, r in p.kinds().items()}
    env = os.environ if environ is None else environ
    resolver = Resolver(env, offline=offline, placeholders=sandbox)
    loaded = load_config(directory, installed, kinds, resolver, problems, warnings)
    scans = None if wanted is None else scan_brand(directory, kinds)
    declared, read, dropped = _read_brand_files(directory, kinds, problems, warnings, scans, wanted)
    unread = {n: s for n, s in (scans or {}).items() if n not in read or n in dropped}
    built = build_desired(declared, kinds, env, offline, problems, warnings, partial=bool(unread))
    _check_provider_blocks(built.desired, kinds, loaded, directory, problems)
    # a file not read may name secrets that a value read from the systems holds: hide them too
    unread_secrets = {env[n] for s in unread.values() for n in s.secrets if env.get(n)}
    secrets = frozenset(loaded.secrets | built.secrets | unread_secrets)
    problems = [_redacted(p, secrets) for p in problems]
    warnings = sorted(_redacted(w, secrets) for w in warnings)
    if any(p.severity == "error" for p in problems) or loaded.config is None:
        raise ConfigError(problems + warnings)  # warnings help explain errors (a .yml file)
    return Brand(
        path=directory,
        config=loaded.config,
        desired=dict(sorted(built.desired.items())),
        secrets=secrets,
        warnings=tuple(warnings),
        digest_forms=built.digest_forms,
        provider_configs=loaded.providers,
        unread={n: dropped.get(n, s.kinds or frozenset()) for n, s in sorted(unread.items())},
    )


def _providers(
    given: Mapping[str, Provider] | None, problems: list[Problem]
) -> dict[str, Provider]:
    if given is not None:
        return dict(given)
    try:
        return dict(registry().providers)
    except Exception as err:
        problems.append(Problem(Location(), f"cannot load the installed providers: {err}"))
        return {}


def _read_brand_files(
    directory: Path,
    kinds: Kinds,
    problems: list[Problem],
    warnings: list[Problem],
    scans: Mapping[str, FileScan] | None = None,
    wanted: Collection[str] | None = None,
) -> tuple[list[Declared], set[str], dict[str, frozenset[str]]]:
    """The declared resources, in file order, the names of the files read, and (a partial
    load) file name → the kinds whose objects were left out of it. Read: every file, or
    (``wanted``) those that may declare a wanted kind or one their ``${…}`` name, and so on;
    kept of those files: the objects of these kinds only (a file that declares several kinds,
    as a pull request's ``new.yaml`` may, is read for one; the others' objects are not
    built)."""
    variables = _variables(directory, problems, warnings)
    by_file: dict[str, list[Declared]] = {}
    chosen = None if scans is None else files_declaring(scans, wanted or ())
    keep = None if scans is None else text_scan.may_be_needed(scans, wanted or ())
    unparsed: dict[str, frozenset[str]] = {}  # file → kinds whose blocks were not parsed
    while True:
        for path in resource_files(directory):
            if path.name in by_file or (chosen is not None and path.name not in chosen):
                continue
            by_file[path.name] = []
            if variables is None and _templated(path):
                continue  # vars.yaml is broken (reported): its templates would only add noise
            doc = read_document(path, str(path), problems, variables or {}, keep)
            if doc is not None:
                by_file[path.name] = read_resources(doc, kinds, problems)
                unparsed[path.name] = doc.left_out
        declared = [d for name in sorted(by_file) for d in by_file[name]]
        if scans is None or chosen is None:
            return declared, set(by_file), {}
        needed = text_scan.needed_kinds(declared, wanted or (), _named)
        more = files_declaring(scans, needed) - chosen
        if not more:
            break
        chosen |= more
    kept, dropped = text_scan.keep_needed(declared, needed, unparsed)
    return kept, set(by_file), dropped


def _variables(
    directory: Path, problems: list[Problem], warnings: list[Problem]
) -> dict[str, Any] | None:
    """``vars.yaml`` (``{}`` when absent, ``None`` when broken); warns of ``*.yml`` files."""
    variables: dict[str, Any] | None = {}
    vars_path = directory / VARS_FILE
    if vars_path.is_file():
        doc = read_plain(vars_path, str(vars_path), problems)
        variables = doc.value if doc is not None else None
    for path in sorted(directory.glob("*.yml")):
        if not path.name.startswith(".") and path.is_file():
            message = f"{path.name} is ignored: resource files end in .yaml"
            warnings.append(Problem(Location(str(path)), message, severity="warning"))
    return variables


def _named(declared: list[Declared]) -> set[str]:
    """The addresses the ``${…}`` of ``declared`` name."""
    return {
        ref.name
        for item in declared
        if mentions_refs(item.body)
        for _, ref in scan(item.body)
        if not isinstance(ref, str) and ref.scope == "resource"
    }


def _templated(path: Path) -> bool:
    try:
        return is_template(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return False


def _check_provider_blocks(
    desired: Mapping[str, Desired[Any]],
    kinds: Kinds,
    loaded: LoadedConfig,
    directory: Path,
    problems: list[Problem],
) -> None:
    """Every provider whose kinds are declared needs its block in ``omsform.yaml``."""
    if loaded.config is None:
        return
    first: dict[str, str] = {}
    for address, item in desired.items():
        first.setdefault(kinds[item.kind][0].name, address)
    for name, address in sorted(first.items()):
        if name not in loaded.config.providers:
            where = Location(str(directory / CONFIG_FILE))
            message = (
                f"{address} (and every other {name} resource) needs a 'providers.{name}' block"
            )
            problems.append(Problem(where, message, f"add providers.{name} to {CONFIG_FILE}"))


def _redacted(problem: Problem, secrets: frozenset[str]) -> Problem:
    message, hint = redact(problem.message, secrets), redact(problem.hint, secrets)
    if (message, hint) == (problem.message, problem.hint):
        return problem
    return Problem(problem.location, message, hint, problem.severity)
