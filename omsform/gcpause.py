""":func:`gc_paused`: the cyclic garbage collector held off during a phase that allocates many
long-lived objects (reading thousands of live objects, planning over them). No I/O; any
package may use it."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block, then move what survived to the
    oldest generation unscanned (``freeze`` then ``unfreeze``), as loading a brand does.

    Reading W5k keeps tens of thousands of objects (rows, specs, :class:`Remote`) for the rest
    of the run and makes next to no reference cycles; with the collector running, promoting
    them through the young generations soon triggers a full collection that traverses every
    object of the run (about 150 ms on W5k), for nothing. Reference counting still frees
    memory; the survivors stay collectable by the next full collection. Nested pauses and a
    collector the caller disabled are left alone."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if not gc.get_freeze_count():  # leave alone what an embedding program froze
                gc.freeze()
                gc.unfreeze()
            gc.enable()


@contextmanager
def gc_frozen() -> Iterator[None]:
    """Keep the cyclic collector away from every object that exists when the block starts
    (``gc.freeze``, undone by ``gc.unfreeze`` at the end), while it still collects what the
    block makes.

    For apply: the brand, the objects read and the plan (tens of thousands of objects on W5k)
    live through the whole run, yet each full collection the writes' garbage triggers would
    traverse all of them again: about 0.2-0.35 ms of CPU per create (spec §11 P6). A collector
    the caller disabled or objects an embedding program froze are left alone."""
    if not gc.isenabled() or gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
