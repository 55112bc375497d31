"""R11: every brand in tests/bad_brands/ fails to load with all its problems in one pass.

Each case directory holds a small brand and ``expect.txt``: one substring per line that must
appear in the rendered problems (``file:line:column``, the message, the "did you mean" hint),
and optionally ``errors: N``, the exact number of errors. Cases point at the test provider.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from omsform.errors import ConfigError
from omsform.lang.load import load_brand
from tests.fixtures.kinds import PROVIDERS

CORPUS = Path(__file__).resolve().parents[1] / "bad_brands"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
CANARY = "canary-TOKEN-5f3a9c1e"
ENV = {"TP_URL": "https://tp.example", "TP_TOKEN": CANARY}


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES)
def test_bad_brand_reports_every_problem(case: str) -> None:
    directory = CORPUS / case
    expected = [line for line in (directory / "expect.txt").read_text().splitlines() if line]
    with pytest.raises(ConfigError) as caught:
        load_brand(directory, providers=PROVIDERS, environ=ENV)
    problems = caught.value.problems
    rendered = "\n".join(str(p) for p in problems)
    errors = [p for p in problems if p.severity == "error"]
    assert errors, rendered
    for line in expected:
        if line.startswith("errors: "):
            assert len(errors) == int(line.removeprefix("errors: ")), rendered
        else:
            assert line in rendered, f"{line!r} not in:\n{rendered}"
    assert CANARY not in rendered
    assert problems == sorted(problems)


@pytest.mark.parametrize("case", CASES)
def test_every_located_problem_names_line_and_column(case: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_brand(CORPUS / case, providers=PROVIDERS, environ=ENV)
    for problem in caught.value.problems:
        where = problem.location
        if where.file.endswith(".yaml") and where.line == 0:
            # only whole-file problems (a missing file or provider block) have no position
            assert "not found" in problem.message or "needs a 'providers." in problem.message
        else:
            assert where.line > 0 and where.column > 0, str(problem)
