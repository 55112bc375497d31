"""omsform: an Akinon OMS brand's configuration as code (plan and apply against the live APIs).

The embedding API (``load_brand``, ``plan_brand``, ``apply_brand``) is loaded on first use, so
importing the package stays cheap.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["apply_brand", "load_brand", "plan_brand"]


def __getattr__(name: str) -> Any:
    if name == "load_brand":
        from omsform.lang.load import load_brand

        return load_brand
    if name in ("plan_brand", "apply_brand"):
        from omsform import embed

        return getattr(embed, name)
    raise AttributeError(f"module 'omsform' has no attribute {name!r}")
