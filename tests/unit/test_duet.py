"""Duet evidence: wall times judged on pairs taken together, never on the machine's drift
between runs; a duet file a user or CI edits cannot silence the gate."""

from __future__ import annotations

import json
import math
import random
import statistics
from pathlib import Path

import pytest

from afirgen_bench.core.change import Change
from afirgen_bench.core.config import GateConfig, parse_gate
from afirgen_bench.core.duet import (
    DuetFigure,
    DuetRecord,
    Schedule,
    apply_duet,
    judge_pairs,
    leave_across_runs,
    paired_shift,
    round_estimate,
)
from afirgen_bench.core.errors import HarnessError
from afirgen_bench.core.models import NoiseSource, Verdict
from afirgen_bench.duet import _more
from afirgen_bench.duet_store import load_record, record_path, write_record
from afirgen_bench.workspace import Workspace
from tests.unit.recorded import (
    MACHINE,
    ROOT,
    TIMED,
    VERSION,
    change_of,
    compare_cli,
    git,
    make_repo,
    one_clean_line,
    sampled,
    write_results,
)


def gate() -> GateConfig:
    return parse_gate((ROOT / "gate.toml").read_text(), "gate.toml")


def pairs(ratio: float, n: int = 400, spread: float = 0.1, seed: int = 1) -> list[list[float]]:
    """Pairs of one call each: the head ``ratio`` times the base, each call noisy."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        machine = math.exp(rng.gauss(0, 0.3))  # the machine's mood moves both sides
        base = 1e-4 * machine * math.exp(rng.gauss(0, spread))
        head = 1e-4 * ratio * machine * math.exp(rng.gauss(0, spread))
        out.append([base, head])
    return out


def figure(ratio: float, rounds: int = 2, version: str | None = VERSION, **kw) -> DuetFigure:
    taken = pairs(ratio, **kw)
    return DuetFigure(
        benchmark=TIMED,
        unit="seconds",
        version=version,
        pairs=taken,
        rounds=[i % rounds for i in range(len(taken))],
    )


def record_of(
    figures: dict[str, DuetFigure], base: str = "a" * 40, head: str = "b" * 40
) -> DuetRecord:
    return DuetRecord(
        machine=MACHINE,
        base=base,
        head=head,
        schedule=Schedule.ALTERNATE,
        design="d",
        measured_at="2026-12-06T00:00:00Z",
        seconds=1.0,
        figures=figures,
    )


def timed_change(verdict: Verdict = Verdict.UNCHANGED) -> Change:
    from afirgen_bench.core.models import Kind, Measurement

    m = Measurement(TIMED, (), Kind.TIME, "seconds", 1e-4, False, (1e-4,) * 10, VERSION)
    return Change(TIMED, TIMED, verdict, m, m, ratio=1.0, noise_source=NoiseSource.CALIBRATED)


def test_paired_ratio_cancels_the_machine() -> None:
    """The machine's mood (30 % per pair here) moves both sides of a pair alike."""
    shift, error = paired_shift(figure(1.0, spread=0.05))
    assert abs(shift.log_ratio) < 0.02
    assert error < 0.01
    shift, _ = paired_shift(figure(1.10))
    assert shift.ratio == pytest.approx(1.10, rel=0.02)


@pytest.mark.parametrize(
    ("ratio", "verdict"),
    [
        (1.0, Verdict.UNCHANGED),
        (1.08, Verdict.REGRESSION),
        (1.5, Verdict.REGRESSION),
        (0.9, Verdict.IMPROVEMENT),
    ],
)
def test_pairs_decide_the_verdict(ratio: float, verdict: Verdict) -> None:
    judged = judge_pairs(timed_change(), figure(ratio), gate(), None, "d")
    assert judged.verdict is verdict
    assert judged.noise_source is NoiseSource.DUET


def test_rounds_that_disagree_widen_the_error() -> None:
    """Each round is one process per side; when rounds disagree, the error says so."""
    steady = figure(1.0)
    moody = DuetFigure.model_validate(
        {
            **steady.model_dump(),
            "pairs": [
                [b, h * (1.06 if r else 0.94)]
                for (b, h), r in zip(steady.pairs, steady.rounds, strict=True)
            ],
        }
    )
    assert paired_shift(moody)[1] > 0.04 > paired_shift(steady)[1]
    assert judge_pairs(timed_change(), moody, gate(), None, "d").verdict is not Verdict.REGRESSION


def test_a_pair_an_interrupt_hit_moves_a_round_little() -> None:
    """The trimmed mean drops the tails: one pair 50x slower on one side barely counts,
    where a plain mean would move by a tenth."""
    rng = random.Random(3)
    ratios = [rng.gauss(0, 0.05) for _ in range(40)]
    centre, error = round_estimate(ratios)
    hit_centre, hit_error = round_estimate([*ratios[:-1], math.log(50)])
    assert abs(hit_centre - centre) < 0.01
    assert hit_error < 2 * error
    assert statistics.fmean([*ratios[:-1], math.log(50)]) - statistics.fmean(ratios) > 0.09


def test_a_round_of_identical_pairs_has_no_error() -> None:
    assert round_estimate([0.01] * 10) == (pytest.approx(0.01), 0.0)
    assert round_estimate([0.02, 0.0, 0.01])[0] == pytest.approx(0.01)


def test_a_noisy_benchmark_takes_pairs_longer_a_steady_one_does_not() -> None:
    rng = random.Random(5)
    steady = [rng.gauss(0, 0.01) for _ in range(200)]
    noisy = [rng.gauss(0, 0.5) for _ in range(200)]
    assert _more(steady[:2], elapsed=5.0, pairs_for=1.0)  # never fewer than MIN_PAIRS
    assert _more(steady, elapsed=0.5, pairs_for=1.0)  # always for its seconds
    assert not _more(steady, elapsed=1.1, pairs_for=1.0)
    assert _more(noisy, elapsed=1.1, pairs_for=1.0)
    assert not _more(noisy, elapsed=2.1, pairs_for=1.0)  # the design's longest


def test_a_problem_cannot_pass() -> None:
    broken = DuetFigure(benchmark=TIMED, unit="seconds", version=VERSION, problem="failed at head")
    judged = judge_pairs(timed_change(), broken, gate(), None, "d")
    assert judged.verdict.outcome.value == "cannot judge"
    assert "failed at head" in judged.reason


def test_a_duet_is_judged_at_the_version_it_measured() -> None:
    """Stored results of an older version of the benchmark do not void the duet: both of
    its sides ran the current one. Its calibrated noise only holds for that version."""
    judged = judge_pairs(timed_change(), figure(1.10, version="newer"), gate(), None, "d")
    assert judged.verdict is Verdict.REGRESSION


def test_apply_duet_judges_only_what_it_measured() -> None:
    other = figure(1.0).model_copy(update={"benchmark": "x.X.time_y"})
    record = record_of({"x.X.time_y": other})
    counted = Change(
        "cost.x", "cost.x", Verdict.UNCHANGED, None, None, noise_source=NoiseSource.EXACT
    )
    wall = timed_change(Verdict.REGRESSION)
    assert apply_duet([counted, wall], record, gate(), None) == [counted, wall]
    left = leave_across_runs([counted, wall])
    assert left[0] is counted and left[1].verdict is Verdict.ACROSS_RUNS


def test_a_duet_that_measured_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="measured nothing"):
        record_of({})


@pytest.mark.parametrize(
    "edit",
    [
        lambda f: f["pairs"][0].__setitem__(1, float("nan")),
        lambda f: f["pairs"][0].__setitem__(0, 0.0),
        lambda f: f["pairs"][0].__setitem__(0, -1e-4),
        lambda f: f.update(pairs=f["pairs"][:2], rounds=f["rounds"][:2]),
        lambda f: f.update(rounds=f["rounds"][:-1]),
        lambda f: f.update(extra=1),
        lambda f: f.update(benchmark="other.Benchmark.time_x"),
    ],
    ids=["nan", "zero", "negative", "two-pairs", "rounds-short", "unknown-key", "renamed"],
)
def test_edited_figures_are_refused(edit) -> None:
    raw = figure(1.0).model_dump(mode="json")
    edit(raw)
    record = {
        "machine": MACHINE,
        "base": "a" * 40,
        "head": "b" * 40,
        "schedule": "alternate",
        "design": "d",
        "measured_at": "now",
        "seconds": 1.0,
        "figures": {TIMED: raw},
    }
    with pytest.raises(ValueError):
        DuetRecord.model_validate(record)


# -- through the compare command: stored results of different runs, and their duet --------


def duet_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Base and head from different runs whose stored wall times drifted 1.8x."""
    repo = make_repo(tmp_path, monkeypatch)
    write_results(repo, "HEAD~1", sampled(1e-3, 1), run_started=0.0)
    write_results(repo, "HEAD", sampled(1.8e-3, 2), run_started=5000.0)
    return repo


def write_duet(repo: Path, ratio: float, **kw) -> Path:
    base, head = git(repo, "rev-parse", "HEAD~1"), git(repo, "rev-parse", "HEAD")
    record = record_of({TIMED: figure(ratio, **kw)}, base=base, head=head)
    path = record_path(Workspace.at(repo, MACHINE), base, head)
    write_record(record, path)
    return path


def test_the_drift_between_runs_does_not_cry_wolf(tmp_path, monkeypatch) -> None:
    repo = duet_repo(tmp_path, monkeypatch)
    write_duet(repo, 1.0)
    assert compare_cli(repo) == 0
    change = change_of(repo, TIMED)
    assert change["verdict"] == "unchanged"
    assert change["noise_source"] == "duet"
    summary = (repo / "reports" / "summary.txt").read_text()
    assert "1 wall times on the pairs of their duet" in summary


def test_without_a_duet_or_a_drift_two_runs_are_not_judged(tmp_path, monkeypatch) -> None:
    """With no duet, compare judges two runs only beyond a measured drift (none here): the
    1.8x the machine drifted is not called a regression."""
    repo = duet_repo(tmp_path, monkeypatch)
    assert compare_cli(repo) == 0
    assert change_of(repo, TIMED)["verdict"] == "not judged across runs"


def test_a_slowdown_the_pairs_show_fails(tmp_path, monkeypatch) -> None:
    repo = make_repo(tmp_path, monkeypatch)
    write_results(repo, "HEAD~1", sampled(1e-3, 1), run_started=0.0)
    write_results(repo, "HEAD", sampled(1e-3, 2), run_started=5000.0)
    write_duet(repo, 1.10)
    assert compare_cli(repo) == 1
    assert change_of(repo, TIMED)["verdict"] == "regression"


@pytest.mark.parametrize(
    "spoil",
    [
        lambda p: p.write_text("{"),
        lambda p: p.write_text(p.read_text().replace('"schedule"', '"schedule": 1, "x"', 1)),
        lambda p: p.write_text(p.read_text().replace('"machine": "', '"machine": "other', 1)),
        lambda p: (p.unlink(), p.symlink_to(p.parent / "gone.json")),
        lambda p: p.write_text(json.dumps({**json.loads(p.read_text()), "seconds": float("inf")})),
    ],
    ids=["truncated", "duplicate-key", "other-machine", "dangling-link", "infinite"],
)
def test_a_spoilt_duet_cannot_judge(tmp_path, monkeypatch, capsys, spoil) -> None:
    repo = duet_repo(tmp_path, monkeypatch)
    spoil(write_duet(repo, 1.0))
    assert compare_cli(repo) == 2
    assert one_clean_line(capsys.readouterr().err)


def test_a_duet_file_cannot_take_a_wall_time_away_from_the_gate(tmp_path, monkeypatch) -> None:
    """A duet of the pair that leaves the figure out: compare still judges it beyond the
    machine's drift (1.8x against a drift of 1.35x: a regression)."""
    from afirgen_bench.core.config import Calibration, Drift
    from tests.unit.recorded import calibration_path

    repo = duet_repo(tmp_path, monkeypatch)
    path = calibration_path(repo)
    calibration = Calibration.model_validate_json(path.read_text())
    drift = Drift(largest=0.3, pairs=3, measured_at="now", source="test")
    path.write_text(calibration.model_copy(update={"drift": drift}).dumps())
    assert compare_cli(repo) == 1
    duet = write_duet(repo, 1.0)
    data = json.loads(duet.read_text())
    data["figures"] = {"x.X.time_y": {**data["figures"][TIMED], "benchmark": "x.X.time_y"}}
    duet.write_text(json.dumps(data))
    assert compare_cli(repo) == 1
    assert change_of(repo, TIMED)["verdict"] == "regression"


def test_a_duet_that_could_not_measure_cannot_pass(tmp_path, monkeypatch) -> None:
    repo = duet_repo(tmp_path, monkeypatch)
    path = write_duet(repo, 1.0)
    data = json.loads(path.read_text())
    data["figures"][TIMED].update(pairs=[], rounds=[], problem="no answer from head within 600 s")
    path.write_text(json.dumps(data))
    assert compare_cli(repo) == 2
    assert "no answer" in change_of(repo, TIMED)["reason"]


def test_a_duet_of_a_renamed_pair_is_refused(tmp_path, monkeypatch) -> None:
    repo = duet_repo(tmp_path, monkeypatch)
    path = write_duet(repo, 1.0)
    data = json.loads(path.read_text())
    data["base"] = "c" * 40
    path.write_text(json.dumps(data))
    with pytest.raises(HarnessError, match="renamed or edited"):
        base, head = git(repo, "rev-parse", "HEAD~1"), git(repo, "rev-parse", "HEAD")
        load_record(path, machine=MACHINE, base=base, head=head)


def test_calibrated_noise_holds_for_its_own_design_only() -> None:
    """A/A duets that moved 3 % keep a 4 % shift unflagged, for the design they measured."""
    from afirgen_bench.core.config import Calibration, Noise
    from afirgen_bench.core.duet import noise_version

    slower = figure(1.04, spread=0.05)
    calibration = Calibration(
        machine=MACHINE,
        measured_at="now",
        commit="0" * 40,
        runs=5,
        seconds_per_run=[1.0] * 5,
        duet={TIMED: Noise(sigma=0.03, runs=5, largest=0.03, version=noise_version(slower, "d"))},
    )
    assert judge_pairs(timed_change(), slower, gate(), None, "d").verdict is Verdict.REGRESSION
    calm = judge_pairs(timed_change(), slower, gate(), calibration, "d")
    assert calm.verdict is not Verdict.REGRESSION
    assert calm.detection is not None and calm.detection.sigma == 0.03
    other = judge_pairs(timed_change(), slower, gate(), calibration, "another design")
    assert other.verdict is Verdict.REGRESSION


def test_the_history_measures_each_new_commit_with_its_predecessor() -> None:
    from afirgen_bench.history import pairs_to_duet

    commits = ["a", "b", "c", "d"]
    assert pairs_to_duet(commits, {"c", "d"}) == [("b", "c"), ("c", "d")]
    assert pairs_to_duet(commits, {"a"}) == []  # the first commit has no predecessor
    assert pairs_to_duet(commits, set()) == []
