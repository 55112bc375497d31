"""A no-op plan of the demo makes the minimum number of API calls (spec §11 P1), counted by the
served sandbox's ``/_sandbox/stats``.

The expectation is computed from the brand, never hard-coded (kinds keep being added):

- each kind the plan reads (``engine.kinds_to_read``) is read alone first, in-process over
  HTTP, to learn which paths its listing uses and how many objects it has (N);
- the kind's own listing costs exactly max(1, ⌈N/100⌉) GETs — the sandbox is seeded with
  ``large:1200`` so that several kinds need more than one page;
- setup steps cost one ``is_required`` and one ``get_async_status`` GET per *declared* step
  (a job WORKING at plan time is pending work even if the OMS says not required), and nothing
  else;
- other lookups a kind makes (the package states a transition names, say) are whatever its solo
  read made, and in the full plan each path is read no more often than by the one kind that
  needs it: listings are shared, never repeated;
- no path outside those solo reads, no GET of one object by id, and no write.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections import Counter
from pathlib import Path

import pytest

from omsform.engine import run as engine
from omsform.http.client import ClientOptions
from omsform.lang.load import Brand, load_brand
from tests.e2e.conftest import Cli, Server, copy_demo, default_secrets, demo_env

pytestmark = pytest.mark.slow

SEED = "large:1200"
PAGE = 100
STEPS = "oms_setup_step"
OBJECT = re.compile(r"/\d+/?$")


def gets(server: Server) -> Counter[str]:
    """GET requests by path since the last reset."""
    by_path: dict[str, int] = server.stats()["by_path"]
    return Counter({k.split(" ", 1)[1]: n for k, n in by_path.items() if k.startswith("GET ")})


def solo_read(brand: Brand, kind: str, server: Server) -> tuple[int, Counter[str]]:
    """Read ``kind`` alone through the engine: (objects listed, GETs by path)."""

    async def read() -> int:
        session = await engine.open_session(brand, kinds=[kind], options=ClientOptions())
        async with session:
            current = await engine.read(session, [kind])
        return len(current[kind])

    server.reset_stats()
    count = asyncio.run(read())
    assert server.writes() == {}
    return count, gets(server)


def test_a_no_op_plan_makes_the_minimum_number_of_calls(tmp_path: Path, server: Server) -> None:
    server.reset(SEED)
    brand_dir = copy_demo(tmp_path / "demo")
    cli = Cli(brand_dir, demo_env(brand_dir, server, default_secrets(brand_dir)))
    # --force: the demo prunes some kinds, so the seed's generated objects of those kinds
    # are deleted, far beyond the safety threshold; the others stay and need pages
    applied = cli("apply", "demo", "--auto-approve", "--force")
    assert applied.code == 0, applied
    brand = load_brand(brand_dir, environ=cli.env)
    kinds = engine.kinds_to_read(brand)
    steps = {d.name for d in brand.desired.values() if d.kind == STEPS}
    solo = {kind: solo_read(brand, kind, server) for kind in kinds}

    server.reset_stats()
    plan = cli("plan", "demo", "--detailed-exitcode")
    assert plan.code == 0, plan
    full = gets(server)
    assert server.writes() == {}

    assert not [p for p in full if OBJECT.search(p)], "a GET of one object by id"
    assert any(count > PAGE for count, _ in solo.values()), "no kind needs a second page"
    for kind, (count, paths) in solo.items():
        if kind == STEPS:
            assert count == len(steps)
            assert paths == Counter({p: 1 for p in paths}) and len(paths) == 2 * len(steps), paths
            assert all(p.endswith(("/is_required/", "/get_async_status/")) for p in paths)
        else:
            pages = max(1, math.ceil(count / PAGE))
            assert pages in paths.values(), f"{kind}: {count} objects, not {pages} pages {paths}"

    needed: Counter[str] = Counter()
    for _, paths in solo.values():
        needed |= paths  # union keeps the largest count: a shared listing is made once
    assert full == needed
    expected = sum(needed.values())
    assert sum(full.values()) == expected, f"{sum(full.values())} GETs, expected {expected}"


def test_an_apply_lists_package_states_once(tmp_path: Path, server: Server) -> None:
    """The lookups a plan made serve the apply that follows in the same run: a full apply of
    the demo, which creates transitions (their states are looked up by name), lists the
    package states once. (Setup steps poll their job status and channels are listed again
    after a sync copies them in: those repeats are the point.)"""
    brand_dir = copy_demo(tmp_path / "demo")
    cli = Cli(brand_dir, demo_env(brand_dir, server, default_secrets(brand_dir)))
    server.reset_stats()
    applied = cli("apply", "demo", "--auto-approve")
    assert applied.code == 0, applied
    assert "oms_transition." in applied.stdout
    states = {path: n for path, n in gets(server).items() if path.endswith("/states/")}
    assert list(states.values()) == [1], states
