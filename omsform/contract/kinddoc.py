"""What a provider tells ``omsform docs`` and ``omsform init`` about one of its kinds.

The fields (types, defaults, descriptions, examples) come from the kind's Spec model and the
key, immutable, write-only and open-map fields from its ``Resource`` class; a provider adds here
only what those cannot say: which file family the kind belongs to, which fields point at other
kinds, how documented its API is, extra rules and value lists, and an example.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class KindDoc:
    """A provider's notes on one kind.

    - ``family``: the resource file ``omsform init`` puts its example in (``package_flow``).
    - ``references``: field → what it points at (``oms_stock_location`` by erp_code, …).
    - ``api``: what the vendor documents [D] versus what omsform proposes [P], from ``api.py``.
    - ``sections``: titled lists (credential keys, rules, valid values, sandbox seeds).
    - ``example``: YAML declaring the kind (top-level key included), valid on its own together
      with the other kinds' examples against the sandbox's ``demo`` seed.
    """

    family: str
    api: str = ""
    references: dict[str, str] = field(default_factory=dict)
    sections: tuple[tuple[str, tuple[str, ...]], ...] = ()
    example: str = ""
