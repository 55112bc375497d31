"""The architecture rules of omsform, checked over the source tree (issue 10).

Import rules (each package's ``__init__`` docstring says what it owns and may import):

1. **Core never imports providers.** Nothing under ``omsform/`` imports a provider package
   (a package under ``providers/``); providers are found at run time through entry points.
2. **Provider sandboxes are an independent reading of the API documentation.** A module under
   ``providers/<pkg>/sandbox/`` imports only its own sandbox package and ``omsform.sandbox``:
   never the provider's ``api.py``, ``resources/`` or package root (the client code whose bugs
   the sandbox must not share), nor any other omsform code. ``omsform/sandbox/`` likewise
   imports only itself.
3. **``plan/`` never does I/O.** Modules under ``omsform/plan/`` import no network, file,
   process or terminal module (:data:`IO_MODULES`) and call no ``open``/``print``/``input``
   nor a file method such as ``read_text`` (:data:`IO_METHODS`).
4. **Each package imports only what its ``__init__`` docstring allows.** The paragraph
   starting ``May import:`` (up to ``Never``) names, in double backquotes or as ``:mod:``
   references, the omsform packages or modules a package may import (``plan``, ``plan.model``,
   ``omsform.paths``), or says "every other"; :func:`layer_violations` holds every
   ``omsform/<package>/`` to it.

Size rules, for library code (``omsform/`` and ``providers/``, tests excluded): no module over
:data:`MAX_MODULE_LINES` lines; no function over :data:`MAX_FUNCTION_LINES` lines unless its
docstring has a line starting ``Long because`` giving the reason.

One home per concern: the ``(sensitive)`` marker is defined once (``SENSITIVE`` in
``omsform/secrets``), and one module-level function is called ``redact``.

The checkers take the root of a tree, so the tests below also run them on small trees that
break each rule, to show they catch it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 40
REASON_MARK = "Long because"

IO_MODULES = frozenset(
    {
        # standard library
        "os",
        "pathlib",
        "shutil",
        "subprocess",
        "socket",
        "sqlite3",
        "tempfile",
        "asyncio",
        "urllib.request",
        "http.client",
        "sys",
        # third party
        "httpx",
        "requests",
        "starlette",
        "uvicorn",
        "click",
        "typer",
        # omsform modules that reach the network, the disk or the terminal
        "omsform.http",
        "omsform.engine",
        "omsform.cli",
        "omsform.sandbox",
        "omsform.embed",
        "omsform.doctor",
        "omsform.adopt",
        "omsform.apply.ledger",
        "omsform.apply.journal",
        "omsform.apply.lock",
        "omsform.apply.saved",
        "omsform.apply.run",
        "omsform.apply.target",
        "omsform.lang.files",
        "omsform.lang.load",
        "omsform.drift.pull",
    }
)
IO_CALLS = frozenset({"open", "print", "input"})
IO_METHODS = frozenset(
    {"read_text", "write_text", "read_bytes", "write_bytes", "mkdir", "unlink", "touch", "iterdir"}
)


# --- walking a tree ------------------------------------------------------------------------------
def library_files(root: Path) -> Iterator[Path]:
    """Every library module under ``omsform/`` and ``providers/`` (tests excluded)."""
    for top in ("omsform", "providers"):
        for path in sorted((root / top).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            if "/tests/" not in rel and not path.name.startswith("test_"):
                yield path


def module_name(root: Path, path: Path) -> str:
    """The dotted module name of ``path`` (providers are importable from ``providers/``)."""
    rel = path.relative_to(root)
    parts = list(rel.with_suffix("").parts)
    if parts[0] == "providers":
        parts = parts[1:]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def provider_packages(root: Path) -> frozenset[str]:
    """The top-level package names under ``providers/``."""
    base = root / "providers"
    return frozenset(p.name for p in base.iterdir() if (p / "__init__.py").is_file())


def imports(tree: ast.AST, module: str, is_package: bool) -> Iterator[tuple[int, list[str]]]:
    """``(line, modules it may import)`` for every import statement in ``tree``, relative ones
    resolved (``from pkg import name`` may import ``pkg`` or the submodule ``pkg.name``)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield node.lineno, [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                anchor = package[: len(package) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield node.lineno, [base, *(f"{base}.{alias.name}" for alias in node.names)]


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


# --- the import rules ----------------------------------------------------------------------------
def import_violations(root: Path) -> list[str]:
    """Every broken import rule in the tree at ``root``, as ``path:line: what``."""
    providers = provider_packages(root)
    found: list[str] = []
    for path in library_files(root):
        rel = path.relative_to(root).as_posix()
        module = module_name(root, path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        for line, names in imports(tree, module, path.name == "__init__.py"):
            why = next(filter(None, (_import_rule(module, n, providers) for n in names)), "")
            if why:
                found.append(f"{rel}:{line}: {why}")
        if _under(module, "omsform.plan"):
            found += [f"{rel}:{line}: {why}" for line, why in io_calls(tree)]
    return sorted(set(found))


def _import_rule(module: str, name: str, providers: frozenset[str]) -> str:
    """Why importing ``name`` from ``module`` breaks a rule (``""`` when it does not)."""
    top, home = name.split(".")[0], module.split(".")[0]
    if _under(module, "omsform") and top in providers:
        return f"core imports the provider {name}"
    if home in providers and _under(module, f"{home}.sandbox"):
        return _sandbox_rule(name, f"{home}.sandbox", providers)
    own_sandbox = _under(name, "omsform.sandbox")
    if _under(module, "omsform.sandbox") and _under(name, "omsform") and not own_sandbox:
        return f"omsform.sandbox imports {name} (it imports only itself)"
    if _under(module, "omsform.plan"):
        hit = next((m for m in IO_MODULES if _under(name, m)), None)
        if hit:
            return f"plan imports {name}, which does I/O ({hit})"
    return ""


def _sandbox_rule(name: str, own: str, providers: frozenset[str]) -> str:
    top = name.split(".")[0]
    if _under(name, own) or _under(name, "omsform.sandbox"):
        return ""
    if top in providers:
        return f"a provider sandbox imports provider code {name}"
    if top == "omsform":
        return f"a provider sandbox imports {name} (only omsform.sandbox is allowed)"
    return ""


def io_calls(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """``(line, why)`` for every call in ``tree`` that reads or writes outside the process."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in IO_CALLS:
            yield node.lineno, f"plan calls {func.id}()"
        elif isinstance(func, ast.Attribute) and func.attr in IO_METHODS:
            yield node.lineno, f"plan calls .{func.attr}()"


# --- the layers declared in package docstrings ---------------------------------------------
_NAMED = re.compile(r"``([A-Za-z_.]+)``|:mod:`~?([A-Za-z_.]+)`")


def declared_imports(doc: str) -> frozenset[str] | None:
    """The omsform names a package docstring's ``May import:`` paragraph allows (``*`` for
    ``every other``), or ``None`` when it has no such paragraph."""
    if "May import:" not in doc:
        return None
    text = doc.split("May import:", 1)[1].split("Never", 1)[0]
    names = {(a or b).removeprefix("omsform.") for a, b in _NAMED.findall(text)}
    return frozenset(names | ({"*"} if "every other" in text else set()))


def layer_violations(root: Path) -> list[str]:
    """Imports of one omsform package into another that its docstring does not allow."""
    rules = {
        init.parent.name: declared_imports(ast.get_docstring(ast.parse(init.read_text())) or "")
        for init in (root / "omsform").glob("*/__init__.py")
    }
    found: list[str] = []
    for path in library_files(root):
        parts = path.relative_to(root).parts
        allowed = rules.get(parts[1]) if parts[0] == "omsform" and len(parts) > 2 else None
        if allowed is None or "*" in allowed:
            continue
        module, rel = module_name(root, path), path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        for line, names in imports(tree, module, path.name == "__init__.py"):
            bad = _layer_breach(parts[1], names, allowed)
            if bad:
                found.append(f"{rel}:{line}: {parts[1]} imports {bad} (not in its May import)")
    return found


def _layer_breach(package: str, names: list[str], allowed: frozenset[str]) -> str:
    """The first name an import statement may not import (``""`` when it may): for ``from
    pkg import a, b``, ``pkg`` itself or else every ``pkg.a``, ``pkg.b`` must be allowed."""
    base, subs = names[0], names[1:]
    if subs and all(n.startswith(base + ".") for n in subs):  # ``from base import …``
        if base != "omsform" and _layer_allows(package, base, allowed):
            return ""
        bad = next((n for n in subs if not _layer_allows(package, n, allowed)), "")
        return (base if base != "omsform" else bad) if bad else ""
    return next((n for n in names if not _layer_allows(package, n, allowed)), "")


def _layer_allows(package: str, name: str, allowed: frozenset[str]) -> bool:
    if not name.startswith("omsform."):
        return True
    target = name.removeprefix("omsform.")
    if target.split(".")[0] == package:
        return True
    return any(target == a or target.startswith(a + ".") for a in allowed)


# --- the size rules ------------------------------------------------------------------------------
def size_violations(root: Path) -> list[str]:
    """Modules over :data:`MAX_MODULE_LINES` lines and functions over
    :data:`MAX_FUNCTION_LINES` lines without a reason."""
    found: list[str] = []
    for path in library_files(root):
        rel = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8")
        lines = len(text.splitlines())
        if lines > MAX_MODULE_LINES:
            found.append(f"{rel}: {lines} lines (at most {MAX_MODULE_LINES})")
        for node in ast.walk(ast.parse(text, filename=rel)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES and not _has_reason(node):
                    found.append(
                        f"{rel}:{node.lineno}: {node.name}() has {length} lines "
                        f"(at most {MAX_FUNCTION_LINES}, or say {REASON_MARK!r} in its docstring)"
                    )
    return found


def _has_reason(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    doc = ast.get_docstring(node) or ""
    return any(line.strip().startswith(REASON_MARK) for line in doc.splitlines())


# --- one home per concern ----------------------------------------------------------------------
def home_violations(root: Path) -> list[str]:
    """Where ``SENSITIVE`` is assigned and a module-level ``redact`` is defined, when either
    happens anywhere but its one home."""
    found: list[str] = []
    for path in library_files(root):
        rel = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else []
            if isinstance(node, ast.AnnAssign):
                targets = [node.target]
            names = {t.id for t in targets if isinstance(t, ast.Name)}
            if "SENSITIVE" in names and rel != "omsform/secrets/__init__.py":
                found.append(f"{rel}:{node.lineno}: SENSITIVE defined outside omsform/secrets")
            is_redact = isinstance(node, ast.FunctionDef) and node.name == "redact"
            if is_redact and rel != "omsform/secrets/mask.py":
                found.append(f"{rel}:{node.lineno}: a second redact()")
    return found


# --- the real tree -----------------------------------------------------------------------------
def test_the_tree_keeps_the_import_rules() -> None:
    assert import_violations(ROOT) == []


def test_every_package_imports_only_what_its_docstring_allows() -> None:
    assert layer_violations(ROOT) == []


def test_library_modules_and_functions_stay_small() -> None:
    assert size_violations(ROOT) == []


def test_secret_masking_has_one_home() -> None:
    assert home_violations(ROOT) == []


def test_every_package_init_says_what_it_owns_and_may_import() -> None:
    missing = [
        path.relative_to(ROOT).as_posix()
        for path in sorted((ROOT / "omsform").glob("*/__init__.py"))
        if not (
            "Owns" in (doc := ast.get_docstring(ast.parse(path.read_text())) or "")
            and "May import" in doc
        )
    ]
    assert missing == []


# --- the checkers catch a broken rule --------------------------------------------------------
def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in {
        "omsform/__init__.py": "",
        "omsform/plan/__init__.py": "",
        "omsform/sandbox/__init__.py": "",
        "providers/omsform_shop/__init__.py": "from omsform_shop import api\n",
        "providers/omsform_shop/api.py": "",
        "providers/omsform_shop/resources/__init__.py": "",
        "providers/omsform_shop/sandbox/__init__.py": "from omsform.sandbox import route\n",
        **files,
    }.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_a_clean_tree_has_no_violations(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"omsform/plan/ok.py": "from omsform.errors import PlanError\n"})
    assert import_violations(root) == []


@pytest.mark.parametrize(
    ("rel", "source", "expected"),
    [
        ("omsform/core.py", "import omsform_shop.api\n", "core imports the provider"),
        ("omsform/plan/x.py", "from omsform_shop.resources import a\n", "core imports"),
        ("omsform/lazy.py", "def f():\n    from omsform_shop import api\n", "core imports"),
        ("providers/omsform_shop/sandbox/a.py", "from omsform_shop import api\n", "provider code"),
        ("providers/omsform_shop/sandbox/b.py", "from ..resources import x\n", "provider code"),
        ("providers/omsform_shop/sandbox/c.py", "import omsform_shop\n", "provider code"),
        ("providers/omsform_shop/sandbox/d.py", "from omsform.http import client\n", "only"),
        ("omsform/sandbox/e.py", "from omsform.http.client import ApiClient\n", "only itself"),
        ("omsform/plan/io.py", "import httpx\n", "does I/O"),
        ("omsform/plan/ledger.py", "from omsform.apply.ledger import load\n", "does I/O"),
        ("omsform/plan/read.py", "def f(p):\n    return p.read_text()\n", ".read_text()"),
        ("omsform/plan/show.py", "print('x')\n", "plan calls print()"),
        ("omsform/plan/file.py", "with open('f') as f:\n    pass\n", "plan calls open()"),
    ],
)
def test_the_import_checker_reports_a_broken_rule(
    tmp_path: Path, rel: str, source: str, expected: str
) -> None:
    found = import_violations(_tree(tmp_path, {rel: source}))
    assert len(found) == 1 and found[0].startswith(f"{rel}:") and expected in found[0], found


def test_the_layer_checker_holds_a_package_to_its_docstring(tmp_path: Path) -> None:
    doc = (
        '"""HTTP.\n\nOwns: the client.\nMay import: ``errors``, ``plan.model``.\n'
        'Never ``cli``."""\n'
    )
    root = _tree(
        tmp_path,
        {
            "omsform/http/__init__.py": doc,
            "omsform/http/ok.py": "from omsform.errors import E\nfrom omsform.plan import model\n",
            "omsform/http/bad.py": "import omsform.engine.run\n",
            "omsform/http/lazy.py": "def f():\n    from omsform.plan.build import b\n",
            "omsform/http/cli.py": "from omsform import cli\n",
        },
    )
    assert layer_violations(root) == [
        "omsform/http/bad.py:1: http imports omsform.engine.run (not in its May import)",
        "omsform/http/cli.py:1: http imports omsform.cli (not in its May import)",
        "omsform/http/lazy.py:2: http imports omsform.plan.build (not in its May import)",
    ]


def test_a_sandbox_may_import_its_own_package_and_omsform_sandbox(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "providers/omsform_shop/sandbox/a.py": "from omsform_shop.sandbox import b\n",
            "providers/omsform_shop/sandbox/b.py": (
                "from . import a\nfrom omsform.sandbox import x\n"
            ),
        },
    )
    assert import_violations(root) == []


def test_the_size_checker_reports_long_modules_and_functions(tmp_path: Path) -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(45))
    long_module = "\n" * (MAX_MODULE_LINES + 1)
    reasoned = f'def ok():\n    """Why.\n\n    {REASON_MARK} it is a table."""\n{body}'
    root = _tree(
        tmp_path,
        {
            "omsform/big.py": long_module,
            "omsform/long.py": f"def long():\n{body}",
            "omsform/reasoned.py": reasoned,
        },
    )
    assert size_violations(root) == [
        "omsform/big.py: 301 lines (at most 300)",
        "omsform/long.py:1: long() has 46 lines (at most 40, or say 'Long because' in its "
        "docstring)",
    ]


def test_the_home_checker_reports_a_second_definition(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "omsform/secrets/__init__.py": 'SENSITIVE = "(sensitive)"\n',
            "omsform/secrets/mask.py": "def redact(text, secrets):\n    return text\n",
            "omsform/plan/model.py": 'SENSITIVE = "(sensitive)"\n',
            "omsform/http/pool.py": "def redact(text):\n    return text\n",
        },
    )
    assert home_violations(root) == [
        "omsform/http/pool.py:1: a second redact()",
        "omsform/plan/model.py:1: SENSITIVE defined outside omsform/secrets",
    ]
