"""Every recording in ``tests/contract/cassettes/`` replays through the providers' read path
and the plan builds (see ``replay.py``; README "Contributing a recording")."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.contract.replay import recordings, replay_plan

CASSETTES = Path(__file__).with_name("cassettes")


@pytest.mark.parametrize("recording", recordings(CASSETTES), ids=lambda p: p.name)
def test_recording_replays_and_the_plan_builds(recording: Path) -> None:
    plan = replay_plan(recording)
    assert plan.brand
    assert plan.summary is not None


def test_there_is_at_least_one_recording() -> None:
    assert recordings(CASSETTES), "tests/contract/cassettes/ holds no recording"
