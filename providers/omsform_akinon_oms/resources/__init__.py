"""The kinds of provider ``akinon_oms``, one module each."""

from __future__ import annotations

from typing import Any

from omsform.resource import Resource

KINDS: tuple[type[Resource[Any]], ...] = ()
