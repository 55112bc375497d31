"""``omsform.yaml``: its model (brand name, provider blocks, ownership, safety) and its loading.

Provider blocks are kept here *as written* (``${secret.NAME}`` stays a reference), so a
``BrandConfig`` never holds a secret value and may be printed or hashed. The validated blocks,
with ``${env.…}``/``${secret.…}`` resolved, live in :meth:`omsform.lang.load.Brand.provider_config`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from omsform.errors import Location, Problem
from omsform.lang.files import Document, read_plain
from omsform.lang.interpolate import Resolver, is_placeholder
from omsform.lang.model_errors import model_problems
from omsform.lang.suggest import did_you_mean
from omsform.secrets import SENSITIVE

if TYPE_CHECKING:
    from omsform.contract.provider import Provider
    from omsform.contract.resource import Resource

    KindMap = Mapping[str, tuple[Provider, type[Resource[Any]]]]

_SECRET_REF = re.compile(r"\$\{\s*secret\.[A-Za-z_][A-Za-z0-9_]*\s*\}\Z")
CONFIG_FILE = "omsform.yaml"
VARS_FILE = "vars.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Manage(_Strict):
    """Ownership (§4.4): ``prune`` lists kinds whose undeclared remote objects are deleted;
    ``protect`` lists address globs (``oms_stock_location.*``) never deleted or replaced."""

    prune: tuple[str, ...] = Field(
        default=(),
        description=(
            "Kinds whose remote objects the YAML does not declare are deleted (a list of kind "
            "names); other kinds' undeclared objects are only reported as unmanaged."
        ),
        examples=[["oms_webhook", "oms_transition"]],
    )
    protect: tuple[str, ...] = Field(
        default=(),
        description=(
            "Address globs (kind.name, * and ? allowed) never deleted or replaced, whatever the "
            "YAML says."
        ),
        examples=[["oms_stock_location.*"]],
    )


class Safety(_Strict):
    """Safety threshold (§4.5): a plan that would update, replace or delete more than
    ``max_change_fraction`` of a kind with at least ``min_existing`` objects is refused."""

    max_change_fraction: float = Field(
        default=0.3,
        gt=0,
        le=1,
        description=(
            "Refuse a plan that updates, replaces or deletes more than this fraction of a kind's "
            "objects (a number in (0, 1]; --force overrides)."
        ),
        examples=[0.3],
    )
    min_existing: int = Field(
        default=10,
        ge=0,
        description="…but only for kinds with at least this many live objects (integer ≥ 0).",
        examples=[10],
    )


class BrandConfig(_Strict):
    """``omsform.yaml``. ``providers`` maps a provider name to its block as written, except
    that a secret field written in plain text (not as ``${secret.NAME}``) reads ``(sensitive)``."""

    brand: str = Field(
        min_length=1,
        description="The brand's name (text), shown in plans and saved plan files.",
        examples=["acme"],
    )
    providers: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Provider blocks: URL and credentials (use ${env.…} and ${secret.…}).",
        examples=[
            {"akinon_oms": {"url": "${env.ACME_OMS_URL}", "token": "${secret.ACME_OMS_TOKEN}"}}
        ],
    )
    manage: Manage = Field(
        default_factory=Manage,
        description="Ownership: which kinds are pruned, which addresses are protected.",
        examples=[{"prune": ["oms_webhook"], "protect": ["oms_stock_location.*"]}],
    )
    safety: Safety = Field(
        default_factory=Safety,
        description="The safety threshold that refuses plans changing much of a kind.",
        examples=[{"max_change_fraction": 0.3, "min_existing": 10}],
    )


@dataclass
class LoadedConfig:
    """``omsform.yaml`` after checking: the model (``None`` when invalid), every provider block
    validated by its provider's ``config_model`` with references resolved, and the secret values
    met on the way (for redaction)."""

    config: BrandConfig | None = None
    providers: dict[str, BaseModel] = field(default_factory=dict)
    secrets: set[str] = field(default_factory=set)
    doc: Document | None = None


def load_config(
    directory: Path,
    providers: Mapping[str, Provider],
    kinds: KindMap,
    resolver: Resolver,
    problems: list[Problem],
    warnings: list[Problem],
) -> LoadedConfig:
    """Read and check ``directory/omsform.yaml``; problems and warnings are appended."""
    path = directory / CONFIG_FILE
    if not path.is_file():
        message = f"{CONFIG_FILE} not found: every brand directory needs one"
        problems.append(Problem(Location(str(path)), message, "create it with 'brand: <name>'"))
        return LoadedConfig()
    doc = read_plain(path, str(path), problems)
    if doc is None:
        return LoadedConfig()
    loaded = LoadedConfig(doc=doc)
    raw: dict[str, Any] = doc.value

    def locate(p: tuple[str | int, ...], at_key: bool = False) -> Location:
        return doc.locate_path(doc.root, p, at_key)

    try:
        loaded.config = BrandConfig.model_validate(_masked(raw, providers))
    except ValidationError as err:
        problems.extend(model_problems(err, BrandConfig, raw, locate))
    blocks = raw.get("providers")
    for name, block in blocks.items() if isinstance(blocks, dict) else ():
        if name not in providers:
            hint = did_you_mean(name, providers)
            problems.append(
                Problem(locate(("providers", name), True), f"unknown provider '{name}'", hint)
            )
        elif isinstance(block, dict):
            _provider_block(providers[name], block, loaded, resolver, locate, problems, warnings)
    _check_manage(raw.get("manage"), kinds, locate, problems)
    return loaded


def _masked(raw: dict[str, Any], providers: Mapping[str, Provider]) -> dict[str, Any]:
    """``raw`` with secret fields written in plain text replaced by ``(sensitive)``."""
    blocks = raw.get("providers")
    if not isinstance(blocks, dict):
        return raw
    masked = {}
    for name, block in blocks.items():
        fields = providers[name].secret_fields if name in providers else ()
        if isinstance(block, dict):
            block = {
                k: SENSITIVE
                if k in fields and isinstance(v, str) and not _SECRET_REF.match(v)
                else v
                for k, v in block.items()
            }
        masked[name] = block
    return {**raw, "providers": masked}


def _provider_block(
    provider: Provider,
    block: dict[str, Any],
    loaded: LoadedConfig,
    resolver: Resolver,
    locate: Callable[[tuple[str | int, ...], bool], Location],
    problems: list[Problem],
    warnings: list[Problem],
) -> None:
    base: tuple[str | int, ...] = ("providers", provider.name)
    out = resolver.resolve(block, allow_resources=False)
    problems.extend(Problem(locate((*base, *p), False), m, h) for p, m, h in out.problems)
    warnings.extend(
        Problem(locate((*base, *p), False), m, h, "warning") for p, m, h in out.warnings
    )
    loaded.secrets |= out.secrets
    from_refs = {p for p, _ in out.secret_refs}
    warnings.extend(_secret_fields(provider, out.value, from_refs, loaded, locate))
    try:
        loaded.providers[provider.name] = provider.config_model.model_validate(out.value)
        if not resolver.placeholders:  # a live run (not --sandbox): the block must reach it
            for name in provider.missing_for_live(loaded.providers[provider.name]):
                message = (
                    f"providers.{provider.name} has no {name}: only --sandbox runs without one"
                )
                hint = f"add {name}: ${{env.NAME}} to it (and set NAME in the environment)"
                problems.append(Problem(locate(base, True), message, hint))
    except ValidationError as err:
        problems.extend(
            model_problems(
                err,
                provider.config_model,
                out.value,
                lambda p, at_key: locate((*base, *p), at_key),
                is_secret=lambda p: bool(p) and (p[0] in provider.secret_fields or p in from_refs),
                skip=out.doubtful,
            )
        )


def _secret_fields(
    provider: Provider,
    value: Any,
    from_refs: set[tuple[str | int, ...]],
    loaded: LoadedConfig,
    locate: Callable[[tuple[str | int, ...], bool], Location],
) -> list[Problem]:
    """Add the block's secret field values to ``loaded.secrets``; a warning for each one
    written in plain text rather than as ``${secret.NAME}``."""
    found: list[Problem] = []
    for name in provider.secret_fields:
        field_value = value.get(name)
        if isinstance(field_value, str) and field_value and not is_placeholder(field_value):
            loaded.secrets.add(field_value)
            if (name,) not in from_refs:
                message = f"providers.{provider.name}.{name} is a secret written in plain text"
                hint = "use ${secret.NAME} and set NAME in the environment"
                where = locate(("providers", provider.name, name), False)
                found.append(Problem(where, message, hint, "warning"))
    return found


def _check_manage(
    manage: Any,
    kinds: KindMap,
    locate: Callable[[tuple[str | int, ...], bool], Location],
    problems: list[Problem],
) -> None:
    """Unknown kinds in ``prune``, kinds there that can never be deleted, and ``protect``
    globs that cannot match any kind."""
    if not isinstance(manage, dict):
        return
    prune, protect = manage.get("prune"), manage.get("protect")
    prunable = sorted(k for k, (_, cls) in kinds.items() if cls.can_delete)
    for i, kind in enumerate(prune if isinstance(prune, list) else []):
        if isinstance(kind, str) and kind not in kinds:
            where = locate(("manage", "prune", i), False)
            problems.append(
                Problem(where, f"unknown kind '{kind}' in manage.prune", did_you_mean(kind, kinds))
            )
        elif isinstance(kind, str) and not kinds[kind][1].can_delete:
            where = locate(("manage", "prune", i), False)
            message = f"{kind} cannot be pruned: omsform never deletes {kind} objects"
            hint = f"remove it from manage.prune; kinds that can be pruned: {', '.join(prunable)}"
            problems.append(Problem(where, message, hint))
    for i, glob in enumerate(protect if isinstance(protect, list) else []):
        if isinstance(glob, str) and not any(fnmatchcase(k, glob.split(".")[0]) for k in kinds):
            where = locate(("manage", "protect", i), False)
            message = f"manage.protect pattern '{glob}' matches no kind"
            problems.append(Problem(where, message, did_you_mean(glob.split(".")[0], kinds)))
