"""Package states: seeded by OMS, never created by omsform, written in YAML as a *state word*
and sent as the state's id; a :class:`~omsform.contract.refs.Lookup` read at most once per run
through the read context, for every kind that names one (transitions, scenarios).

[P] ``states/`` filtered by ``enum_class=PackageStatus``; the objects are [D]. A state's word
is its display name lower-cased with every run of non-letters turned into ``_``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from omsform.contract.refs import Lookup, Ref
from omsform_akinon_oms import api

if TYPE_CHECKING:  # httpx is imported when a client is made, not to validate
    from omsform.http.client import ApiClient


def state_word(display_name: str) -> str:
    """The word a user writes for a state: ``"Waiting Cargo Label"`` → ``waiting_cargo_label``."""
    return re.sub(r"[^a-z]+", "_", display_name.lower()).strip("_")


async def _word_ids(client: ApiClient) -> dict[str, int]:
    """Word → id of every ``PackageStatus`` state."""
    rows = await client.list_all(
        api.STATES,
        {api.STATE_ENUM_CLASS: api.PACKAGE_STATUS},
        page_size=api.PAGE_SIZE,
        page_size_param=api.STATES_PAGE_SIZE_PARAM,
    )
    return {
        state_word(r[api.STATE_NAME]): r[api.ID]
        for r in rows
        if r.get(api.STATE_ENUM_CLASS) == api.PACKAGE_STATUS
    }


PACKAGE_STATES = Lookup(label="package state", system="OMS", load=_word_ids)
StateWord = Annotated[str, Field(pattern=r"^[a-z_]+$"), Ref(PACKAGE_STATES)]
"""A field naming a package state by its word (``waiting``, ``waiting_cargo_label``)."""
