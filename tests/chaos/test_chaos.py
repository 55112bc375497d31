"""Small versions of ``make chaos`` (issue 9) in the regular suite: the same promises, few
trials, on the demo brand against one served sandbox. Setup steps finish at once here, so a
copy job racing a plan (item 2) cannot make the smaller tests flaky; ``make chaos`` runs them
with steps that take time.

"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.chaos import scenarios
from tests.chaos.brands import demo_world
from tests.chaos.run import server_for
from tests.chaos.world import World

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The demo brand against a served sandbox (one per module; every test starts fresh)."""
    root = tmp_path_factory.mktemp("chaos")
    (root / "canary").mkdir()
    with server_for(root) as server:
        yield demo_world(root / "canary", server, step_seconds=0.0)


def _check(row: scenarios.Row) -> None:
    assert row.passed, f"{row.figures}\n" + "\n".join(row.notes)


def test_kill_9_converges_in_one_reapply_with_no_duplicate_or_lost_fingerprint(
    world: World,
) -> None:
    _check(scenarios.kill(world, 2, random.Random(3)))  # make chaos runs 50


def test_under_503_and_429_every_apply_ends_cleanly_or_leaves_exactly_the_rest(
    world: World,
) -> None:
    _check(scenarios.faults(world, 0.1, 1, ["503", "429"]))  # make chaos runs 0.3 and 0.5


def test_of_two_concurrent_applies_one_is_refused_by_the_lock(world: World) -> None:
    _check(scenarios.concurrent(world, 1, random.Random(1)))


def test_no_canary_secret_in_any_output_or_file(world: World) -> None:
    _check(scenarios.canaries(world, world.brand.parent))


def test_an_incomplete_listing_is_refused_with_no_write(world: World) -> None:
    # one shape end to end here (each shape is refused in tests/http/test_http_faults.py; make
    # chaos runs all four on two brands)
    _check(scenarios.listing(world, "count_low"))


def test_a_tampered_saved_plan_is_refused(world: World, tmp_path: Path) -> None:
    _check(scenarios.tampered(world, tmp_path))
