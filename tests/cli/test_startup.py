"""Start-up stays cheap: ``omsform --version`` and ``omsform validate`` (run on every commit by
pre-commit) import only what they use. Each check runs a fresh interpreter and looks at
``sys.modules`` afterwards — which modules were imported, never how long it took. The scan of
the providers' sources for the ``api:`` map is kept between runs, and follows edits."""

from __future__ import annotations

import gc
import importlib.metadata
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

import omsform
from omsform.cli.main import main
from omsform.contract import apimap
from omsform.lang.load import load_brand

ROOT = Path(__file__).resolve().parents[2]

# What only running against the live systems, the sandbox server or live progress needs.
RUN_ONLY = ("rich", "httpx", "uvicorn", "starlette", "asyncio", "sqlite3", "deepdiff", "vcr")


def _imported_after(code: str) -> set[str]:
    """The top-level modules a fresh interpreter holds after running ``code``."""
    script = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True
    )
    last = done.stdout.strip().splitlines()[-1]
    return set(json.loads(last))


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if n in modules)


def test_importing_the_command_line_loads_no_heavy_library() -> None:
    modules = _imported_after("import omsform.cli.main")
    heavy = (*RUN_ONLY, "pydantic", "yaml", "jinja2", "ruamel", "omsform.lang.load")
    assert _loaded(modules, heavy) == []


def test_the_http_client_does_not_load_the_httpx_command_line() -> None:
    """httpx imports its command-line tool (rich, pygments) when click and rich are installed,
    as they are here; omsform keeps it out, so a plan in CI pays for neither."""
    modules = _imported_after("import omsform.http.client")
    assert "httpx" in modules
    assert _loaded(modules, ("rich", "pygments")) == []


def test_validate_loads_nothing_a_run_needs() -> None:
    code = (
        "from omsform.cli.main import main\n"
        "try:\n"
        "    main(['validate', 'brands/demo'])\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
    )
    modules = _imported_after(code)
    assert "omsform.lang.load" in modules  # it did validate the brand
    assert _loaded(modules, RUN_ONLY) == []


def test_a_live_run_loads_no_sandbox_server() -> None:
    modules = _imported_after("import omsform.engine.run, omsform.cli.progress")
    assert _loaded(modules, ("starlette", "uvicorn")) == []


def test_help_lists_the_commands_of_every_module() -> None:
    shown = CliRunner().invoke(main, ["--help"]).output
    for command in ("validate", "plan", "apply", "import", "doctor", "docs", "init", "pull"):
        assert f"  {command} " in shown


def test_a_command_of_another_module_runs_when_named_first() -> None:
    code = (
        "from omsform.cli.main import main\n"
        "try:\n"
        "    main(['docs', 'oms_channel'])\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
    )
    assert "omsform.guide.docs" in _imported_after(code)


def test_the_version_shown_is_the_installed_one() -> None:
    shown = CliRunner().invoke(main, ["--version"]).output
    assert shown.strip().endswith(f"version {importlib.metadata.version('omsform')}")
    assert omsform.__version__ == importlib.metadata.version("omsform")


def _fake_provider(root: Path, call_time_name: str) -> ModuleType:
    """A provider package whose ``__init__`` reads ``api.FIXED`` at import and whose kind reads
    ``api.<call_time_name>`` when called; its ``api`` module as apimap receives it."""
    (root / "resources").mkdir(parents=True, exist_ok=True)
    (root / "__init__.py").write_text("from fake import api\n\nCOPIED = api.FIXED\n")
    kind = f"from fake import api\n\n\ndef path():\n    return api.{call_time_name}\n"
    (root / "resources" / "kind.py").write_text(kind)
    module = ModuleType("fake.api")
    module.__file__ = str(root / "api.py")
    return module


def test_the_api_map_scan_kept_beside_the_bytecode_follows_the_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    scan = apimap._references.__wrapped__  # the per-process cache left out
    api = _fake_provider(tmp_path, "LIST_PATH")
    assert scan(api) == ({"FIXED"}, {"LIST_PATH"})
    assert list((tmp_path / "__pycache__").glob("omsform-apimap.*.json"))
    assert scan(api) == ({"FIXED"}, {"LIST_PATH"})  # read back
    _fake_provider(tmp_path, "OTHER_LIST_PATH")  # an edited kind: scanned again
    assert scan(api) == ({"FIXED"}, {"OTHER_LIST_PATH"})
    for kept in (tmp_path / "__pycache__").glob("omsform-apimap.*.json"):
        kept.write_text("{not json")
    assert scan(api) == ({"FIXED"}, {"OTHER_LIST_PATH"})


def test_loading_leaves_what_an_embedding_program_froze_frozen() -> None:
    gc.freeze()  # as a server does before forking workers
    frozen = gc.get_freeze_count()
    try:
        load_brand(ROOT / "brands" / "demo", offline=True, sandbox=True)
        # still frozen (a few may have been freed meanwhile), not moved back for collection
        assert gc.get_freeze_count() > frozen // 2
    finally:
        gc.unfreeze()
    assert gc.isenabled()
