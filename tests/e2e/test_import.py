"""``omsform import`` end to end, in process against the embedded sandbox: what it writes must
validate and plan to no change, whatever the live systems hold."""

from __future__ import annotations

import asyncio
import random
import re
import shutil
import sqlite3
from collections.abc import Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from omsform.adopt import fmt
from omsform.adopt import source as importsource
from omsform.cli.main import main
from omsform.contract.provider import kind_index
from omsform.errors import ConfigError
from omsform.http.client import ClientOptions
from omsform.lang.load import load_brand
from omsform.lang.template import is_template
from omsform.sandbox import build_app
from omsform.sandbox.store import Store

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "brands" / "demo"
SECRET_REF = re.compile(r"\$\{secret\.([A-Za-z_][A-Za-z0-9_]*)\}")
RESOURCE_REF = re.compile(r"\$\{(?!secret\.|env\.)([a-z_]+)\.[A-Za-z0-9_-]+\}")
ENV_LINE = re.compile(r"^  ([A-Z][A-Z0-9_]*)  ", re.MULTILINE)


def omsform(*args: str, env: Mapping[str, str] | None = None) -> Result:
    """Run the CLI in process (stdout and stderr kept apart)."""
    return CliRunner().invoke(main, list(args), env=dict(env or {}), catch_exceptions=False)


def demo_secrets(brand: Path) -> dict[str, str]:
    """A value for every ``${secret.NAME}`` of the brand's resource files."""
    names = {
        name
        for path in brand.glob("*.yaml")
        if path.name != "omsform.yaml"
        for name in SECRET_REF.findall(path.read_text())
    }
    return {name: f"value-of-{name.lower()}" for name in names}


def listed_env(result: Result) -> dict[str, str]:
    """A value for every environment variable the import output asks for."""
    return {name: f"set-{name.lower()}" for name in ENV_LINE.findall(result.stdout)}


class AppliedDemo:
    """Copies of brands/demo applied to their own sandbox: the apply runs once per seed in this
    test process, each test gets a copy of the result (brand files, sandbox database, ledger)
    at ``tmp_path/src``."""

    def __init__(self, cache: Path) -> None:
        self._cache = cache
        self._made: dict[str, tuple[Path, dict[str, str]]] = {}

    def __call__(self, tmp_path: Path, seed: str = "demo") -> tuple[Path, dict[str, str]]:
        """A copy of brands/demo applied to its own sandbox (seeded with ``seed``)."""
        if seed not in self._made:
            self._made[seed] = self._apply(self._cache / seed.replace(":", "-"), seed)
        made, env = self._made[seed]
        src = tmp_path / "src"
        shutil.copytree(made, src)
        return src, dict(env)

    @staticmethod
    def _apply(src: Path, seed: str) -> tuple[Path, dict[str, str]]:
        shutil.copytree(DEMO, src, ignore=shutil.ignore_patterns(".omsform"))
        db = src / ".omsform" / "sandbox.sqlite"
        store = Store(db)
        build_app(store, seed=seed)
        store.close()
        env = demo_secrets(src)
        done = omsform("apply", str(src), "--sandbox", "--auto-approve", "--force", env=env)
        assert done.exit_code == 0, done.output
        with closing(sqlite3.connect(db)) as conn:  # everything in the file before it is copied
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return src, env


@pytest.fixture(scope="session")
def applied_demos(tmp_path_factory: pytest.TempPathFactory) -> AppliedDemo:
    """The applied demos of this test process."""
    return AppliedDemo(tmp_path_factory.mktemp("applied"))


@pytest.fixture
def applied_demo(applied_demos: AppliedDemo) -> AppliedDemo:
    """A copy of brands/demo applied to its own sandbox: ``applied_demo(tmp_path, seed)``."""
    return applied_demos


def import_and_plan(source: Path, out: Path, env: Mapping[str, str], *extra: str) -> Result:
    """Import ``source``'s sandbox into ``out``; assert validate passes and plan exits 0."""
    config = str(source / "omsform.yaml")
    imported = omsform(
        "import", "--config", config, "--sandbox", "--out", str(out), *extra, env=env
    )
    assert imported.exit_code == 0, imported.output
    needed = listed_env(imported)
    valid = omsform("validate", str(out))
    assert valid.exit_code == 0, valid.output
    planned = omsform("plan", str(out), "--sandbox", "--detailed-exitcode", env=needed)
    assert planned.exit_code == 0, planned.output
    assert "No changes." in planned.stdout
    return imported


def written_text(out: Path) -> str:
    return "\n".join(p.read_text() for p in sorted(out.iterdir()) if p.is_file())


def test_importing_the_applied_demo_brand_plans_no_change(
    tmp_path: Path, applied_demo: AppliedDemo
) -> None:
    src, env = applied_demo(tmp_path)
    out = tmp_path / "imported"
    imported = import_and_plan(src, out, env)
    assert (out / "omsform.yaml").is_file()
    assert "Set these environment variables" in imported.stdout
    text = written_text(out)
    for value in env.values():  # write-only values never reach the files or the output
        assert value not in text and value not in imported.output
    assert "${secret." in text
    check = omsform("fmt", "--check", str(out))
    assert check.exit_code == 0, check.output  # import writes canonical YAML


def test_objects_from_omnitron_are_left_out_unless_asked_for(
    tmp_path: Path, applied_demo: AppliedDemo
) -> None:
    src, env = applied_demo(tmp_path)
    plain = import_and_plan(src, tmp_path / "a", env)
    assert "--include-upstream" in plain.stdout  # says what it left out and how to get it
    everything = import_and_plan(src, tmp_path / "b", env, "--include-upstream")
    assert _count(everything) > _count(plain)


def _count(result: Result) -> int:
    found = re.search(r"Imported (\d+) objects", result.stdout)
    assert found, result.stdout
    return int(found.group(1))


def test_references_become_addresses_only_when_the_target_is_imported(
    tmp_path: Path, applied_demo: AppliedDemo
) -> None:
    src, env = applied_demo(tmp_path, seed="large:120")
    whole = tmp_path / "whole"
    import_and_plan(src, whole, env)
    refs = {p.stem: set(RESOURCE_REF.findall(p.read_text())) for p in whole.glob("oms*.yaml")}
    referring = sorted(kind for kind, found in refs.items() if found)
    targets = {kind for found in refs.values() for kind in found}
    assert referring and targets - set(referring), "the large seed has references across kinds"
    alone = tmp_path / "alone"
    import_and_plan(src, alone, env, "--kinds", ",".join(referring))
    for path in alone.glob("*.yaml"):  # targets not imported are written as plain natural keys
        assert set(RESOURCE_REF.findall(path.read_text())) <= set(referring), path.name


def patch_sandbox(brand: Path, collection: str, body: dict[str, Any]) -> None:
    """Change the first sandbox object of ``collection`` the way a person in the back office
    would."""
    import httpx

    async def send() -> None:
        async with httpx.AsyncClient(transport=_transport(brand), base_url="http://sandbox") as c:
            listed = (await c.get(f"/_sandbox/objects/{collection}")).json()
            first = min(row["id"] for row in listed)
            answer = await c.patch(f"/_sandbox/objects/{collection}/{first}", json=body)
            assert answer.status_code == 200, answer.text

    asyncio.run(send())


def imported_objects(out: Path, kind: str) -> dict[str, Any]:
    data = yaml.safe_load((out / f"{kind}.yaml").read_text())
    return dict(data[kind])


DEMO_HOOK = "https://acme-oms.example.com/webhooks/ginesys"
INVOICE_AUTH = {"request_type": "basic_auth", "username": "inv-user-4b", "password": "inv-pw-4b"}
BY_HAND = [  # (collection, change by hand, kind, write-only paths then shown as set)
    pytest.param(
        "oms_hooks",
        {"additional_headers": {"Authorization": "Bearer hand-made-token-7f3a"}},
        "oms_webhook",
        ["additional_headers[0].value"],
        id="webhook-header",
    ),
    pytest.param(
        "transitions",
        {"config": {"remote_invoice_call": {"url": "https://x.example/i", "auth": INVOICE_AUTH}}},
        "oms_transition",
        ["config.remote_invoice_call.auth.username", "config.remote_invoice_call.auth.password"],
        id="transition-invoice-auth",
    ),
    pytest.param(
        "oms_hooks",
        {},
        "oms_webhook",
        ["secret_key"],
        id="webhook-secret-key",
    ),
    pytest.param(
        "ginesys_oms_apps",
        {"webhook": {"url": DEMO_HOOK, "secret": "s-1", "encryption_key": "k-77f"}},
        "ginesys_oms_app",
        ["encryption_key"],
        id="ginesys-encryption-key",
    ),
]


@pytest.mark.parametrize(("collection", "change", "kind", "paths"), BY_HAND)
def test_write_only_values_the_api_shows_as_set_are_imported_as_secrets(
    tmp_path: Path,
    applied_demo: AppliedDemo,
    collection: str,
    change: dict[str, Any],
    kind: str,
    paths: list[str],
) -> None:
    from omsform.paths import get_path

    src, env = applied_demo(tmp_path)
    if change:
        patch_sandbox(src, collection, change)
    out = tmp_path / "out"
    imported = import_and_plan(src, out, env, "--kinds", kind)
    bodies = imported_objects(out, kind).values()
    for path in paths:
        values = [str(get_path(body, path, "")) for body in bodies]
        names = [n for value in values for n in SECRET_REF.findall(value)]
        assert len(names) == 1, (path, values)
        assert names[0] in listed_env(imported)  # the user is told to set it
    assert "hand-made" not in written_text(out) + imported.output


def test_imported_names_are_short_readable_and_show_the_host(
    tmp_path: Path, applied_demo: AppliedDemo
) -> None:
    src, env = applied_demo(tmp_path)
    out = tmp_path / "out"
    import_and_plan(src, out, env, "--kinds", "oms_webhook,ginesys_oms_app")
    assert list(imported_objects(out, "ginesys_oms_app")) == ["ou_1"]
    (hook,) = imported_objects(out, "oms_webhook")
    assert "erp_acme" in hook and hook.endswith("package_ready") and len(hook) <= 48


# --- random content -----------------------------------------------------------------------------
def _mutable_fields(cls: Any) -> dict[str, type]:
    """Top-level bool/int fields a person may change on a live object."""
    fixed = set(cls.key_fields) | set(cls.immutable) | {cls.name_field}
    fixed |= {p.split(".")[0].split("[")[0] for p in cls.write_only}
    return {
        name: info.annotation
        for name, info in cls.spec_model.model_fields.items()
        if name not in fixed and info.annotation in (bool, int)
    }


def mutate(brand: Path, rng: random.Random) -> int:
    """Change random bool/int fields of about half the objects of every kind; changes that break
    a kind's cross-field rules are undone (a person could not save them either)."""
    index = kind_index()
    files: dict[Path, dict[str, Any]] = {}
    originals: dict[str, tuple[Path, str, str, Any]] = {}
    for path in sorted(brand.glob("*.yaml")):
        text = path.read_text()
        if path.name == "omsform.yaml" or is_template(text):
            continue
        data = files[path] = yaml.safe_load(text)
        for kind, objects in data.items():
            fields = _mutable_fields(index[kind][1])
            for name, body in (objects or {}).items():
                if fields and body is not None and rng.random() < 0.5:
                    originals[f"{kind}.{name}"] = (path, kind, name, dict(body))
                    field = rng.choice(sorted(fields))
                    old = body.get(field, index[kind][1].spec_model.model_fields[field].default)
                    body[field] = (not old) if fields[field] is bool else rng.randint(1, 9)
    for _ in range(3):
        for path, data in files.items():
            path.write_text(fmt.dump(fmt.commented(data)))
        try:
            load_brand(brand, offline=True, sandbox=True)
            return len(originals)
        except ConfigError as err:
            for address in {p.location.address for p in err.problems if p.severity == "error"}:
                path, kind, name, body = originals.pop(address)
                files[path][kind][name] = body
    raise AssertionError("the mutated brand stays invalid")


def _live_kinds(brand: Path) -> set[str]:
    source = importsource.resolve_source(brand, None, True, "live", {})
    kinds = importsource.kinds_of(source, [])
    options = ClientOptions(transport=_transport(brand))
    current = asyncio.run(importsource.read_source(source, kinds, options))
    return {kind for kind, objects in current.items() if objects}


def _transport(brand: Path) -> Any:
    from omsform.engine import run as engine

    return engine.sandbox_transport(brand)


@pytest.mark.parametrize("seed", [7, 1234])
def test_random_live_content_of_every_kind_imports_to_no_change(
    tmp_path: Path, applied_demo: AppliedDemo, seed: int
) -> None:
    """A few hundred objects of every kind (``large`` seed, the demo applied on top so that the
    setup steps ran), then random changes applied by "a person" through an imported brand:
    importing that validates and plans to no change."""
    src, env = applied_demo(tmp_path, seed="large:480")
    patch_sandbox(src, "oms_hooks", {"additional_headers": {"X-Api-Key": "by-hand-5d1c"}})
    first = tmp_path / "first"
    imported = import_and_plan(src, first, env)
    env = {**env, **listed_env(imported)}
    assert mutate(first, random.Random(seed)) > 20
    applied = omsform("apply", str(first), "--sandbox", "--auto-approve", "--force", env=env)
    assert applied.stdout.count("applied ~") > 20, applied.output  # the live systems changed

    second = tmp_path / "second"
    result = import_and_plan(first, second, env)
    live = _live_kinds(second)
    assert len(live) >= len(kind_index()) - 1, live  # the content spans (nearly) every kind
    mentioned = set(re.findall(r"^  ([a-z_]+)(?:\.yaml|:)", result.stdout, re.MULTILINE))
    assert live <= mentioned, live - mentioned  # each live kind imported or its objects explained
    assert _count(result) > 250
    assert write_only_values(second, listed_env(result)) > 5


def write_only_values(out: Path, listed: Mapping[str, str]) -> int:
    """Assert every value at a kind's write-only paths in the imported files is a listed
    ``${secret.…}`` (never a masked or plain value, never a header without its value); the
    number of such values."""
    from omsform.paths import iter_items

    index = kind_index()
    found = 0
    for path in sorted(out.glob("*.yaml")):
        if path.name == "omsform.yaml":
            continue
        for kind, objects in yaml.safe_load(path.read_text()).items():
            for name, body in objects.items():
                for pattern in index[kind][1].write_only:
                    for where, value in iter_items(body, pattern):
                        names = SECRET_REF.findall(str(value))
                        assert names and names[0] in listed, (kind, name, where, value)
                        found += 1
                for header in body.get("additional_headers") or ():
                    assert "value" in header, (kind, name, header)
    return found


# --- errors -------------------------------------------------------------------------------------
def test_import_refuses_a_directory_that_already_has_yaml(tmp_path: Path) -> None:
    (tmp_path / "settings.yaml").write_text("{}\n")
    result = omsform("import", "--sandbox", "--out", str(tmp_path))
    assert result.exit_code == 1
    assert "already has YAML files" in result.stderr


def test_import_names_an_unknown_kind(tmp_path: Path) -> None:
    kind = sorted(kind_index())[0]
    result = omsform("import", "--sandbox", "--out", str(tmp_path / "x"), "--kinds", kind + "s")
    assert result.exit_code == 1
    assert f"did you mean '{kind}'" in result.stderr


def test_import_without_a_source_says_which_variables_to_set(tmp_path: Path) -> None:
    result = omsform("import", "--out", str(tmp_path / "x"))
    assert result.exit_code == 1
    assert "OMSFORM_AKINON_OMS_URL" in result.stderr


def test_import_names_the_providers_it_skips_and_why(tmp_path: Path) -> None:
    environ = {"OMSFORM_AKINON_OMS_URL": "https://oms.example", "OMSFORM_AKINON_OMS_TOKEN": "t"}
    source = importsource.resolve_source(tmp_path / "out", None, False, None, environ)
    assert set(source.configs) == {"akinon_oms"}
    assert list(source.skipped_providers) == ["ginesys"]
    why = source.skipped_providers["ginesys"]
    assert why.startswith("no credentials: none of OMSFORM_GINESYS_URL, OMSFORM_GINESYS_API_KEY")
    (tmp_path / "omsform.yaml").write_text(
        "brand: b\nproviders:\n  akinon_oms: {url: 'https://oms.example', token: t}\n"
    )
    from_config = importsource.resolve_source(tmp_path / "out", tmp_path, False, None, {})
    assert from_config.skipped_providers == {
        "ginesys": "omsform.yaml has no providers.ginesys block"
    }
    sandboxed = importsource.resolve_source(tmp_path / "out", tmp_path, True, None, {})
    assert sandboxed.skipped_providers == {}


def test_import_prints_the_skipped_providers(tmp_path: Path) -> None:
    environ = {"OMSFORM_GINESYS_URL": "https://gin.example", "OMSFORM_GINESYS_API_KEY": "k"}
    # an unknown kind stops the run before it reads anything: the note comes first
    result = omsform("import", "--out", str(tmp_path / "x"), "--kinds", "nope", env=environ)
    assert result.exit_code == 1
    assert "Skipped provider akinon_oms: no credentials: none of OMSFORM_AKINON_OMS_URL" in (
        result.stderr
    )
