"""The kinds of provider ``ginesys``, one module each."""

from __future__ import annotations

from typing import Any

from omsform.contract.resource import Resource
from omsform_ginesys.resources.ginesys_oms_app import GinesysOmsApp

KINDS: tuple[type[Resource[Any]], ...] = (GinesysOmsApp,)
