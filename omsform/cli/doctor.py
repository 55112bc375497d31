"""``omsform doctor`` and the ``--record DIR`` option (doctor and plan), registered onto the
main group; the checks live in :mod:`omsform.doctor.run`, the recording in
:mod:`omsform.http.record`."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from pydantic import BaseModel

    from omsform.http.client import ClientOptions
    from omsform.lang.load import Brand

# The main group imports this module for ``record_option``: what the commands run (loading,
# provider discovery, the engine) is imported where it is used, to keep start-up cheap.

F = TypeVar("F", bound=Callable[..., Any])
STATE_DIR = ".omsform"


def record_option(func: F) -> F:
    """``--record DIR``: save the run's HTTP exchanges (scrubbed) for a contract test."""
    option = click.option(
        "--record",
        "record_dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Save the HTTP exchanges (credentials scrubbed) as a vcrpy cassette in DIR.",
    )
    return option(func)


def sandbox_configs(sandbox: bool) -> dict[str, Any] | None:
    """Provider blocks pointing at the embedded sandbox (``None`` without ``--sandbox``)."""
    if not sandbox:
        return None
    from omsform.contract.provider import registry
    from omsform.sandbox import DEFAULT_TOKEN

    return registry().sandbox_configs("http://sandbox", DEFAULT_TOKEN)


@contextmanager
def recording_for(
    loaded: Brand,
    record_dir: Path | None,
    command: str,
    sandbox: bool,
    blocks: Mapping[str, BaseModel] | None = None,
    secrets: Iterable[str] = (),
) -> Iterator[None]:
    """Record inside the block when ``record_dir`` is given (``plan`` also copies the brand);
    ``blocks`` are the provider blocks the run uses (default: the brand's, or the sandbox's)."""
    if record_dir is None:
        yield
        return
    from omsform.contract.provider import registry
    from omsform.engine import run as engine
    from omsform.http.record import public_block, recording

    if blocks is None:
        configs = sandbox_configs(sandbox)
        installed = registry().providers
        blocks = {n: engine.provider_block(loaded, installed[n], configs) for n in _needed(loaded)}
    secret_fields = {name: p.secret_fields for name, p in registry().providers.items()}
    providers = {name: public_block(block, secret_fields[name]) for name, block in blocks.items()}
    brand_dir = loaded.path if command == "plan" else None
    with recording(
        record_dir,
        {*loaded.secrets, *secrets},
        command=command,
        providers=providers,
        brand_dir=brand_dir,
    ):
        yield


def doctor_inputs(path: Path, sandbox: bool) -> tuple[Brand, dict[str, BaseModel], frozenset[str]]:
    """The brand (resource secrets as placeholders: doctor only needs to know which kinds are
    declared), the provider blocks with their references resolved (or the sandbox's), and the
    secret values they hold."""
    from omsform.contract.provider import registry
    from omsform.engine import run as engine
    from omsform.errors import ConfigError
    from omsform.lang.config import load_config
    from omsform.lang.interpolate import Resolver
    from omsform.lang.load import load_brand

    loaded = load_brand(path, offline=True, sandbox=True)
    needed = _needed(loaded)
    installed = registry()
    providers = dict(installed.providers)
    if sandbox:
        configs = sandbox_configs(True)
        blocks = {n: engine.provider_block(loaded, providers[n], configs) for n in needed}
        return loaded, blocks, frozenset()
    problems: list[Any] = []
    kinds = {k: (installed.provider(k), r) for k, r in installed.kinds.items()}
    resolver = Resolver(os.environ, offline=False, placeholders=False)
    config = load_config(loaded.path, providers, kinds, resolver, problems, [])
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ConfigError(errors)
    missing = [n for n in needed if n not in config.providers]
    if missing:
        loaded.provider_config(missing[0])  # raises the located "block missing" error
    blocks = {n: config.providers[n] for n in needed}
    return loaded, blocks, frozenset(config.secrets)


def _needed(loaded: Brand) -> list[str]:
    from omsform.contract.provider import registry
    from omsform.engine import run as engine

    return registry().providers_for(engine.kinds_to_read(loaded))


def register(group: click.Group, out: Any, fails_cleanly: Callable[[Any], Any]) -> None:
    """Add ``doctor`` to ``group``; ``out`` prints (redacted).

    Long because click declares the command, its options and its body as one decorated
    closure over ``out``."""

    @group.command()
    @click.argument("brand", default=".", type=click.Path(file_okay=False, path_type=Path))
    @click.option("--sandbox", is_flag=True, help="Check the embedded sandbox in BRAND/.omsform.")
    @click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
    @click.option("--show-api", is_flag=True, help="Print the effective api map of each provider.")
    @record_option
    @click.option("--insecure", is_flag=True, help="Allow plain http:// and skip TLS checks.")
    @click.option("-v", "--verbose", is_flag=True, help="Log every HTTP request (redacted).")
    @fails_cleanly
    def doctor(
        brand: Path,
        sandbox: bool,
        fmt: str,
        show_api: bool,
        record_dir: Path | None,
        insecure: bool,
        verbose: bool,
    ) -> None:
        """Check, read-only, that the live APIs have what BRAND's kinds need; exit 0 when
        every check is ok, 1 otherwise (each failure names the fix when it can be inferred)."""
        from omsform.contract.provider import registry
        from omsform.doctor import run as checks
        from omsform.doctor.report import render_text
        from omsform.engine import loop
        from omsform.engine import run as engine

        loaded, blocks, secrets = doctor_inputs(brand, sandbox)
        out.secrets = loaded.secrets | secrets
        if sandbox:
            out.err(f"Using the embedded sandbox ({loaded.path / STATE_DIR / 'sandbox.sqlite'}).")
        options = _client_options(out, loaded.path if sandbox else None, insecure, verbose)
        kinds = engine.kinds_to_read(loaded)
        with recording_for(loaded, record_dir, "doctor", sandbox, blocks, secrets):
            report = loop.run(
                checks.diagnose(loaded, dict(registry().providers), blocks, kinds, options)
            )
        if fmt == "json":
            out.out(json.dumps(report.to_json(), indent=2, sort_keys=True, default=str))
        else:
            out.out(render_text(report, show_api))
        if record_dir is not None:
            out.err(f"Recorded the HTTP exchanges in {record_dir} (credentials scrubbed).")
        with contextlib.suppress(Exception):
            sys.stdout.flush()
        sys.exit(0 if report.ok else 1)


def _client_options(
    out: Any, sandbox_brand: Path | None, insecure: bool, verbose: bool
) -> ClientOptions:
    """Client options of a doctor run (the embedded sandbox of ``sandbox_brand`` when given);
    ``out`` is the CLI's printer, which shows the warning and logs the requests."""
    from omsform.engine import run as engine
    from omsform.http.client import ClientOptions

    if insecure:
        out.err("Warning: --insecure: TLS certificates are not checked and http:// is allowed.")
    return ClientOptions(
        transport=engine.sandbox_transport(sandbox_brand) if sandbox_brand else None,
        insecure=insecure,
        debug_log=out.err if verbose else None,
        secrets=out.secrets,
    )
