"""Confirm before failing: only regressions that reproduce on a re-run fail the check."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from afirgen_bench.compare import GateConfig, compare
from afirgen_bench.errors import EXIT_OK, EXIT_VERDICT_FAILED
from afirgen_bench.reports import comment_markdown, summary_text
from afirgen_bench.results import Measurement, ResultSet
from afirgen_bench.verdict import Judgement

NAMES = ("a.A.time_x", "a.A.time_y")


def _results(commit: str, factors: dict[str, float], seed: int) -> ResultSet:
    rng = np.random.default_rng(seed)
    result = ResultSet(commit=commit, machine="m", path=Path("x"))
    for name in NAMES:
        samples = tuple(0.001 * factors.get(name, 1.0) * (1 + 0.01 * rng.standard_normal(100)))
        result.measurements[name] = Measurement(
            name, (), "time", "seconds", float(np.median(samples)), False, samples, "1"
        )
    return result


def _judgement(slower: dict[str, float], seed: int) -> Judgement:
    base, head = _results("b" * 40, {}, seed), _results("h" * 40, slower, seed + 1)
    return Judgement.of(base, head, compare(base, head, GateConfig()), {})


def test_a_regression_that_does_not_reproduce_is_unconfirmed() -> None:
    first = _judgement({"a.A.time_x": 1.2, "a.A.time_y": 1.2}, seed=1)
    assert len(first.regressions) == 2
    first.keep_confirmed(_judgement({"a.A.time_x": 1.2}, seed=7))
    assert [c.key for c in first.regressions] == ["a.A.time_x"]
    assert [c.key for c in first.unconfirmed] == ["a.A.time_y"]
    assert first.exit_code == EXIT_VERDICT_FAILED
    assert "2 regression(s) suspected, 1 confirmed" in summary_text(first)
    assert "1 confirmed" in comment_markdown(first)


def test_nothing_reproduced_passes() -> None:
    first = _judgement({"a.A.time_x": 1.2}, seed=1)
    first.keep_confirmed(_judgement({}, seed=9))
    assert first.regressions == [] and first.exit_code == EXIT_OK
    assert "Unconfirmed" in summary_text(first)
