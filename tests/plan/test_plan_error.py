"""Planning problems are structured: a PlanError carries located Problems that the CLI prints
like a ConfigError's, one line each with file, line and address."""

from __future__ import annotations

import dataclasses

import pytest

from omsform.cli.main import fails_cleanly
from omsform.errors import Location, PlanError
from omsform.plan.build import build_plan
from tests.fixtures.kinds import make_inputs


def _located_inputs() -> object:
    """Two scenarios pointing at locations that neither exist nor are declared."""
    inputs = make_inputs(
        {
            "test_scenario.a": {"name": "A", "location": "NOPE-1"},
            "test_scenario.b": {"name": "B", "location": "NOPE-2"},
        },
        {},
        read=["test_location"],
    )
    desired = {
        address: dataclasses.replace(d, location=Location("brand/scenarios.yaml", line, 3))
        for (address, d), line in zip(sorted(inputs.desired.items()), (4, 9), strict=True)
    }
    return dataclasses.replace(inputs, desired=desired)


def test_plan_error_carries_every_problem_with_its_file_line_and_address() -> None:
    with pytest.raises(PlanError) as caught:
        build_plan(_located_inputs())  # type: ignore[arg-type]
    problems = caught.value.problems
    assert [(p.location.file, p.location.line, p.location.address) for p in problems] == [
        ("brand/scenarios.yaml", 4, "test_scenario.a"),
        ("brand/scenarios.yaml", 9, "test_scenario.b"),
    ]
    assert "references test_location 'NOPE-1'" in problems[0].message
    assert caught.value.summary == "2 problems prevent planning"
    # the message still says everything, for callers that only print str(exc)
    assert "brand/scenarios.yaml:9: test_scenario.b references test_location 'NOPE-2'" in str(
        caught.value
    )


def test_the_cli_prints_plan_problems_located_like_config_problems(
    capsys: pytest.CaptureFixture[str],
) -> None:
    @fails_cleanly
    def plan() -> None:
        build_plan(_located_inputs())  # type: ignore[arg-type]

    with pytest.raises(SystemExit) as exited:
        plan()
    assert exited.value.code == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith(
        "brand/scenarios.yaml:4:3 (test_scenario.a): error: test_scenario.a references "
        "test_location 'NOPE-1'"
    )
    assert lines[1].startswith("brand/scenarios.yaml:9:3 (test_scenario.b): error: ")
    assert lines[2] == "Error: 2 problems prevent planning"
    assert len(lines) == 3  # each problem once, then the summary
