"""What ``omsform docs`` and ``omsform init`` say about this provider's kinds beyond their Spec
fields: file family, references, API status (from ``api.py``'s tags), rules, valid values, what
the sandbox seeds, and an example per kind.

Value lists come from where they are enforced (``api.py``, the resources' enums) and the seeds
from the sandbox's own seed data, so the generated pages cannot drift from the code.
"""

from __future__ import annotations

import re

from omsform.contract.kinddoc import KindDoc
from omsform_akinon_oms import api
from omsform_akinon_oms.docs_flow import FLOW_DOCS
from omsform_akinon_oms.docs_setup import SETUP_DOCS

_BULLET = re.compile(r"^- ``([a-z_]+)``: (.*)$")


def api_status(kind: str) -> str:
    """The kind's bullet of ``api.py``'s "What is documented" list ([D] documented by Akinon,
    [I] inferred, [B] from the set-up guide, [P] proposed)."""
    found: list[str] = []
    for line in (api.__doc__ or "").splitlines():
        match = _BULLET.match(line)
        if match:
            if found:
                break
            if match.group(1) == kind:
                found.append(match.group(2))
        elif found and line.startswith("  "):
            found.append(line.strip())
        elif found:
            break
    return " ".join(found)


DOCS: dict[str, KindDoc] = {**SETUP_DOCS, **FLOW_DOCS}
"""Every kind's notes (its API status is added by :func:`kind_docs`)."""


def kind_docs() -> dict[str, KindDoc]:
    """Every kind's notes, with its API status read from ``api.py``."""
    return {
        kind: KindDoc(
            family=doc.family,
            api=api_status(kind),
            references=doc.references,
            sections=doc.sections,
            example=doc.example,
        )
        for kind, doc in DOCS.items()
    }
