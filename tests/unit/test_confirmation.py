"""Confirm before failing: only regressions that reproduce on a re-run fail the check, and a
suspect the re-run could not measure cannot pass."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, replace
from pathlib import Path

import numpy as np
import pytest

from afirgen_bench.core.change import Change
from afirgen_bench.core.config import GateConfig, Limits
from afirgen_bench.core.errors import ExitCode
from afirgen_bench.core.gate import compare
from afirgen_bench.core.models import Kind, Measurement, ResultSet, Verdict
from afirgen_bench.core.reports import comment_markdown, summary_text
from afirgen_bench.core.verdict import Judgement

NAMES = ("a.A.time_x", "a.A.time_y")


def _results(commit: str, factors: dict[str, float], seed: int, names=NAMES) -> ResultSet:
    rng = np.random.default_rng(seed)
    result = ResultSet(commit=commit, machine="m", path=Path("x"))
    for name in names:
        samples = tuple(0.001 * factors.get(name, 1.0) * (1 + 0.01 * rng.standard_normal(100)))
        result.measurements[name] = Measurement(
            name, (), Kind.TIME, "seconds", float(np.median(samples)), False, samples, "1"
        )
    return result


def _judgement(slower: dict[str, float], seed: int, names=NAMES) -> Judgement:
    base, head = _results("b" * 40, {}, seed, names), _results("h" * 40, slower, seed + 1, names)
    gate = GateConfig()
    sla = {"a.A.time_x": Limits(mean_ms=1000.0)}  # an SLA that judges something
    return Judgement.of(base, head, compare(base, head, gate), sla, gate)


def again(rerun: Judgement) -> dict[str, Change]:
    return {c.key: c for c in rerun.changes}


def test_a_regression_that_does_not_reproduce_is_unconfirmed() -> None:
    first = _judgement({"a.A.time_x": 1.2, "a.A.time_y": 1.2}, seed=1)
    assert len(first.regressions) == 2
    first = first.keep_confirmed(again(_judgement({"a.A.time_x": 1.2}, seed=7)), "re-run")
    assert [c.key for c in first.regressions] == ["a.A.time_x"]
    assert [c.key for c in first.by_verdict(Verdict.UNCONFIRMED)] == ["a.A.time_y"]
    assert first.exit_code == ExitCode.VERDICT_FAILED
    assert "2 regression(s) suspected, 1 confirmed" in summary_text(first)
    assert "1 confirmed" in comment_markdown(first)


def test_nothing_reproduced_passes() -> None:
    first = _judgement({"a.A.time_x": 1.2}, seed=1)
    first = first.keep_confirmed(again(_judgement({}, seed=9)), "re-run")
    assert first.regressions == [] and first.exit_code == ExitCode.OK
    assert "Unconfirmed" in summary_text(first)


def test_a_suspect_missing_from_the_rerun_cannot_pass() -> None:
    first = _judgement({"a.A.time_x": 1.2}, seed=1)
    first = first.keep_confirmed(again(_judgement({}, seed=9, names=("a.A.time_y",))), "re-run")
    assert [c.verdict for c in first.changes if c.key == "a.A.time_x"] == [Verdict.GONE]
    assert first.exit_code == ExitCode.CANNOT_JUDGE
    assert "a.A.time_x" in summary_text(first) and "a.A.time_x" in comment_markdown(first)


def test_a_suspect_that_failed_in_the_rerun_cannot_pass() -> None:
    first = _judgement({"a.A.time_x": 1.2}, seed=1)
    rerun = _judgement({}, seed=9)
    failed = rerun.head.measurements["a.A.time_x"]
    rerun.head.measurements["a.A.time_x"] = Measurement(
        failed.benchmark, (), Kind.TIME, "seconds", None, False, (), "1"
    )
    rerun = replace(rerun, changes=tuple(compare(rerun.base, rerun.head, GateConfig())))
    first = first.keep_confirmed(again(rerun), "re-run")
    assert [c.verdict for c in first.changes if c.key == "a.A.time_x"] == [Verdict.FAILED]
    assert first.exit_code == ExitCode.CANNOT_JUDGE


def test_a_failure_the_run_reported_without_a_name_cannot_pass() -> None:
    judgement = _judgement({}, seed=3)
    assert judgement.exit_code == ExitCode.OK
    judgement = judgement.with_run_failures(["a benchmark asv did not name (asv run exited 2)"])
    assert judgement.exit_code == ExitCode.CANNOT_JUDGE
    assert "did not name" in summary_text(judgement)


# --- what the re-run measures (afirgen_bench.confirm) ----------------------------------------


def test_the_rerun_measures_the_suspects_at_their_own_scales() -> None:
    """A 1M result re-run at the default scales would vanish, and a vanished suspect cannot
    pass: the re-run gets the scales the suspects were measured at."""
    from afirgen_bench.confirm import suspect_scales

    names = {
        "database.FullTextSearch.time_search": ["scale", "corpus"],
        "database.SimpleSelectById.time_select_by_id": ["scale"],
        "api.GetFirStatus.time_get_fir_status": [],
        "writes.BulkInsert.time_bulk_insert": ["rows"],
    }
    suspects = [
        ("database.SimpleSelectById.time_select_by_id", ("1000000",)),
        ("database.FullTextSearch.time_search", ("10000", "'complaints'")),
        ("api.GetFirStatus.time_get_fir_status", ()),
        ("writes.BulkInsert.time_bulk_insert", ("100",)),
        ("gone.from.the.index", ("5",)),
    ]
    assert suspect_scales(suspects, names) == [10000, 1000000]
    assert suspect_scales(suspects[2:], names) == []


def test_a_judgement_is_never_changed_in_place() -> None:
    first = _judgement({"a.A.time_x": 1.2}, seed=1)
    confirmed = first.keep_confirmed(again(_judgement({}, seed=9)), "re-run")
    assert [c.key for c in first.regressions] == ["a.A.time_x"] and not first.notes
    assert confirmed.regressions == [] and confirmed.notes
    with pytest.raises(FrozenInstanceError):
        first.changes = ()  # type: ignore[misc]
