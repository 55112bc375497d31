"""omsform: an Akinon OMS brand's configuration as code (plan and apply against the live APIs).

The embedding API (``load_brand``, ``plan_brand``, ``apply_brand``) is loaded on first use, so
importing the package stays cheap.
"""

from __future__ import annotations

import sys
import types
from typing import Any, NoReturn

__version__ = "0.1.0"
__all__ = ["apply_brand", "load_brand", "plan_brand"]


def _httpx_main(*args: Any, **kwargs: Any) -> NoReturn:
    raise RuntimeError("the httpx command line is not loaded inside omsform; run `httpx` itself")


def _skip_httpx_command_line() -> None:
    """Keep httpx from importing its command-line tool (``httpx._main``: rich, pygments, about
    50 ms at every start) when click and rich happen to be installed: omsform never runs it."""
    if "httpx" not in sys.modules and "httpx._main" not in sys.modules:
        stub = types.ModuleType("httpx._main")
        stub.main = _httpx_main  # type: ignore[attr-defined]
        sys.modules["httpx._main"] = stub


_skip_httpx_command_line()


def __getattr__(name: str) -> Any:
    if name == "load_brand":
        from omsform.lang.load import load_brand

        return load_brand
    if name in ("plan_brand", "apply_brand"):
        from omsform import embed

        return getattr(embed, name)
    raise AttributeError(f"module 'omsform' has no attribute {name!r}")
