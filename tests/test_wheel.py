"""The built wheel ships the engine and both provider packages under their own import names,
with the entry points the engine discovers them through."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def test_an_installed_wheel_imports_the_providers(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("omsform-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "omsform_akinon_oms/__init__.py" in names
    assert "omsform_ginesys/sandbox/__init__.py" in names
    assert not any(n.startswith(("providers/", "tests/")) for n in names)

    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    probe = (
        "from importlib.metadata import distribution\n"
        "import omsform_akinon_oms, omsform_ginesys\n"
        "eps = distribution('omsform').entry_points\n"
        "print(sorted((e.group, e.name) for e in eps if e.group.startswith('omsform.')))\n"
        "print(omsform_akinon_oms.__file__); print(omsform_ginesys.__file__)\n"
        "print(sorted(omsform_akinon_oms.provider.kinds()))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(target), "PATH": ""},
    ).stdout.splitlines()
    assert out[0] == str(
        [
            ("omsform.providers", "akinon_oms"),
            ("omsform.providers", "ginesys"),
            ("omsform.sandboxes", "akinon_oms"),
            ("omsform.sandboxes", "ginesys"),
        ]
    )
    assert out[1].startswith(str(target)) and out[2].startswith(str(target))
    assert "oms_stock_location" in out[3]
