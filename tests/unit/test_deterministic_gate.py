"""Deterministic figures judged on their own terms, wall times across runs judged only beyond
the machine's drift, and flagged instruction counts explained function by function."""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from afirgen_bench import preflight
from afirgen_bench.core.config import Calibration, Drift, GateConfig, Noise, Spread
from afirgen_bench.core.errors import HarnessError
from afirgen_bench.core.explain import explain, explanation_lines, parse_profile
from afirgen_bench.core.gate import compare_one
from afirgen_bench.core.models import Kind, Measurement, NoiseSource, Verdict
from afirgen_bench.core.reports import noise_table

ROOT = Path(__file__).resolve().parents[2]
GATE = GateConfig.model_validate(tomllib.loads((ROOT / "gate.toml").read_text()))
COST = "cost.Database.track_{unit}"
WALL_VERSION = "v rounds=4 repeat=20 number=1"
COUNTED_VERSION = "2026.11.29 cost"


def _figure(unit: str, value: float) -> Measurement:
    """A counted figure, declared so by its version as benchmarks/cost.py declares it."""
    name = COST.format(unit=unit)
    operation = ("'SimpleSelectById(10000)'",)
    return Measurement(name, operation, Kind.TRACK, unit, value, False, (), COUNTED_VERSION)


def _wall(factor: float) -> Measurement:
    samples = tuple(1e-3 * factor * (1 + 0.001 * (i % 7)) for i in range(80))
    return Measurement(
        "a.A.time_x", (), Kind.TIME, "seconds", samples[0], False, samples, WALL_VERSION
    )


def _calibration(drift: float | None) -> Calibration:
    return Calibration(
        machine="m",
        measured_at="2026-11-29T00:00:00Z",
        commit="0" * 40,
        runs=3,
        seconds_per_run=[1.0],
        noise={"a.A.time_x": Noise(sigma=0.01, runs=3, largest=0.01, version=WALL_VERSION)},
        drift=None
        if drift is None
        else Drift(largest=drift, pairs=4, measured_at="2026-11-29", source="test"),
    )


def test_the_project_gate_flags_under_one_percent_of_work_and_any_query_by_default() -> None:
    assert GATE.exact == {
        "instructions": 0.0075,
        "opcodes": 0.005,
        "bytes": 0.01,
        "queries": 0,
        "rows": 0,
        "commands": 0,
    }
    assert GATE.layout_margin == 2.5


def _layouts(key: str, largest: float, unit: str = "instructions") -> Calibration:
    spread = Spread(largest=largest, runs=10, unit=unit, version=COUNTED_VERSION)
    return _calibration(None).model_copy(update={"spread": {key: spread}})


@pytest.mark.parametrize(
    ("largest", "after", "verdict"),
    [
        (0.001, 1_008_000, Verdict.REGRESSION),  # steady: the floor (0.75 %) decides
        (0.001, 1_007_000, Verdict.UNCHANGED),
        (0.004, 1_009_900, Verdict.UNCHANGED),  # 0.4 % between layouts: within 1 %
        (0.004, 1_010_100, Verdict.REGRESSION),
        (0.004, 989_000, Verdict.IMPROVEMENT),
    ],
)
def test_a_figure_that_moves_between_layouts_is_judged_beyond_its_margin(
    largest: float, after: float, verdict: Verdict
) -> None:
    base = _figure("instructions", 1_000_000)
    calibration = _layouts(base.key, largest)
    change = compare_one(base, _figure("instructions", after), GATE, calibration)
    assert change.verdict is verdict
    assert change.limit == pytest.approx(
        max(GATE.exact["instructions"], GATE.layout_margin * largest)
    )


def test_a_spread_of_another_version_or_figure_does_not_loosen_the_gate() -> None:
    base = _figure("instructions", 1_000_000)
    head = _figure("instructions", 1_008_000)
    other_version = _layouts(base.key, 0.01).model_copy(
        update={
            "spread": {
                base.key: Spread(largest=0.01, runs=10, unit="instructions", version="old cost")
            }
        }
    )
    other_figure = _layouts(base.key.replace("instructions", "opcodes"), 0.01, "opcodes")
    for calibration in (other_version, other_figure):
        assert compare_one(base, head, GATE, calibration).verdict is Verdict.REGRESSION


@pytest.mark.parametrize(
    ("unit", "before", "after", "verdict"),
    [
        ("instructions", 1_000_000, 1_010_000, Verdict.REGRESSION),  # +1 %: flagged
        ("instructions", 1_000_000, 1_004_000, Verdict.UNCHANGED),  # +0.4 %: within the floor
        ("opcodes", 10_000, 10_050, Verdict.REGRESSION),
        ("instructions", 1_000_000, 980_000, Verdict.IMPROVEMENT),
        ("queries", 2, 3, Verdict.REGRESSION),  # one query more per operation
        ("queries", 2, 2.05, Verdict.REGRESSION),  # one more in twenty operations
        ("queries", 2, 1, Verdict.IMPROVEMENT),
        ("rows", 1, 1, Verdict.UNCHANGED),
        ("commands", 0, 1, Verdict.REGRESSION),  # a zero base: any command is new work
        ("commands", 0, 0, Verdict.UNCHANGED),
        ("bytes", 1000, 1020, Verdict.REGRESSION),
    ],
)
def test_exact_figures_are_flagged_at_their_units_tolerance(
    unit: str, before: float, after: float, verdict: Verdict
) -> None:
    change = compare_one(_figure(unit, before), _figure(unit, after), GATE)
    assert change.verdict is verdict
    assert change.noise_source is NoiseSource.EXACT


def test_exact_figures_are_judged_alike_across_runs_with_or_without_drift() -> None:
    for calibration in (None, _calibration(None), _calibration(0.7)):
        change = compare_one(
            _figure("instructions", 100.0),
            _figure("instructions", 102.0),
            GATE,
            calibration,
            across_runs=True,
        )
        assert change.verdict is Verdict.REGRESSION


@given(
    before=st.floats(min_value=1, max_value=1e9),  # past 1e12 per call a count is invalid
    factor=st.floats(min_value=1.0101, max_value=100),
)
def test_one_percent_more_instructions_always_fails(before: float, factor: float) -> None:
    change = compare_one(
        _figure("instructions", before), _figure("instructions", before * factor), GATE
    )
    assert change.verdict is Verdict.REGRESSION


@given(value=st.floats(min_value=0, max_value=1e12), unit=st.sampled_from(sorted(GATE.exact)))
def test_identical_counts_never_flag(value: float, unit: str) -> None:
    """Equal counts are unchanged, except below one instruction, which no operation runs."""
    verdict = compare_one(_figure(unit, value), _figure(unit, value), GATE).verdict
    impossible = unit == "instructions" and value < 1
    assert verdict is (Verdict.INVALID if impossible else Verdict.UNCHANGED)


def test_a_nan_count_cannot_pass() -> None:
    change = compare_one(_figure("queries", 1), _figure("queries", math.nan), GATE)
    assert change.verdict is Verdict.INVALID


def test_wall_time_across_runs_without_measured_drift_is_not_judged() -> None:
    change = compare_one(_wall(1.0), _wall(1.5), GATE, _calibration(None), across_runs=True)
    assert change.verdict is Verdict.ACROSS_RUNS
    assert change.verdict.outcome == "passes"


def test_wall_time_across_runs_is_judged_only_beyond_the_drift() -> None:
    calibration = _calibration(math.log(1.9))
    drifted = compare_one(_wall(1.0), _wall(1.8), GATE, calibration, across_runs=True)
    assert drifted.verdict is not Verdict.REGRESSION
    beyond = compare_one(_wall(1.0), _wall(3.0), GATE, calibration, across_runs=True)
    assert beyond.verdict is Verdict.REGRESSION
    assert beyond.limit == pytest.approx(0.9)


def test_wall_time_within_one_run_keeps_its_own_limit() -> None:
    change = compare_one(_wall(1.0), _wall(1.2), GATE, _calibration(math.log(1.9)))
    assert change.verdict is Verdict.REGRESSION


def _profile(extra: float) -> str:
    return json.dumps(
        {
            "operation": "cost.Database.track_instructions('SimpleSelectById(10000)')",
            "calls": 20,
            "instructions": 936_000 + extra,
            "c_functions": [
                {
                    "function": "_PyEval_EvalFrameDefault",
                    "file": "Python/ceval.c",
                    "line": 1150,
                    "instructions": 500_000 + extra,
                },
                {"function": "memcpy", "file": "libc", "line": None, "instructions": 1000},
            ],
            "python_functions": [
                {
                    "function": "FIRRepository.get_by_id",
                    "file": "repositories/firs.py",
                    "line": 40,
                    "opcodes": 300 + extra / 100,
                },
                {"function": "Pool.connection", "file": "db/pool.py", "line": 80, "opcodes": 200},
            ],
        }
    )


def test_a_regression_is_explained_by_the_functions_whose_cost_moved() -> None:
    base = parse_profile(_profile(0), "base.json")
    head = parse_profile(_profile(20_000), "head.json")
    explanation = explain(base, head)
    assert explanation.instructions_delta == 20_000
    assert [d.function for d in explanation.c_functions] == ["_PyEval_EvalFrameDefault"]
    assert explanation.c_functions[0].location == "Python/ceval.c:1150"
    assert explanation.python_functions[0].function == "FIRRepository.get_by_id"
    text = "\n".join(explanation_lines(explanation))
    assert "repositories/firs.py:40" in text and "+20,000" in text


@pytest.mark.parametrize("text", ["{", "[]", '{"operation": "x", "calls": 0, "instructions": 1}'])
def test_a_broken_profile_is_a_harness_error(text: str) -> None:
    with pytest.raises(HarnessError):
        parse_profile(text, "p.json")


def test_the_noise_table_shows_each_figures_spread_and_the_drift() -> None:
    calibration = _calibration(math.log(1.87)).model_copy(
        update={
            "spread": {
                "cost.Database.track_instructions(x)": Spread(
                    largest=2e-6, runs=3, unit="instructions", version="v cost"
                ),
                "cost.Database.track_queries(x)": Spread(
                    largest=0.0, runs=3, unit="queries", version="v cost"
                ),
            }
        }
    )
    table = noise_table(calibration, GATE)
    assert "2.00e-06" in table and "any change" in table
    assert "2 of 2 are flagged at 1 % or less" in table
    assert "+87%" in table


def test_missing_valgrind_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(HarnessError, match="valgrind is not installed"):
        preflight.check_valgrind()


def test_unreachable_server_counters_are_one_clear_error() -> None:
    with pytest.raises(HarnessError, match="status counters"):
        preflight.check_counters("mysql://nobody:x@127.0.0.1:1/db", "redis://127.0.0.1:1/0")


@pytest.mark.parametrize(
    ("bench", "selected"),
    [(None, True), ("^cost\\.", True), ("^(?!load\\.)", True), ("^database\\.", False)],
)
def test_the_preflight_runs_only_when_the_cost_suite_is_selected(
    bench: str | None, selected: bool
) -> None:
    assert preflight.selects_cost(bench) is selected


def test_the_sites_regression_thresholds_follow_the_gate_and_the_drift() -> None:
    """asv's Regressions page uses the gate's tolerances for counted figures and flags wall
    times only beyond the drift between runs the committed calibration measured."""
    from afirgen_bench.asv_driver import read_config

    thresholds = read_config(ROOT)["regressions_thresholds"]
    calibration = Calibration.model_validate_json(
        (ROOT / "calibration" / "python-svc-2cpu.json").read_text()
    )
    assert calibration.drift is not None
    wall = thresholds["^(?!cost\\.)"]
    assert math.log1p(wall) >= calibration.drift.largest
    # asv's page has one threshold per pattern: beyond the loosest instruction tolerance the
    # layouts allow (the gate judges each figure at its own); the other units at their floor
    spread = max(s.largest for s in calibration.spread.values() if s.unit == "instructions")
    assert thresholds["^cost\\..*track_instructions"] >= GATE.layout_margin * spread
    assert thresholds["^cost\\..*track_bytes"] == GATE.exact["bytes"]
    assert thresholds["^cost\\..*track_opcodes"] == GATE.exact["opcodes"]
    assert thresholds["^cost\\..*track_(queries|rows|commands)"] == GATE.exact["queries"] == 0


def test_spreads_are_the_largest_difference_of_each_counted_figure() -> None:
    from afirgen_bench.core.calibration import exact_spreads

    def pair(unit: str, a: float, b: float) -> tuple[Measurement, Measurement]:
        return _figure(unit, a), _figure(unit, b)

    runs = [
        [pair("instructions", 1000.0, 1000.5), pair("queries", 2, 2), _wall_pair()],
        [pair("instructions", 1000.0, 999.0), pair("queries", 2, 2)],
    ]
    spreads = exact_spreads(runs, GATE.exact)
    assert spreads[COST.format(unit="instructions") + "('SimpleSelectById(10000)')"].largest == (
        pytest.approx(1e-3)
    )
    assert spreads[COST.format(unit="queries") + "('SimpleSelectById(10000)')"].largest == 0
    assert all(s.unit in GATE.exact for s in spreads.values())  # wall times get noise, not this


def _wall_pair() -> tuple[Measurement, Measurement]:
    return _wall(1.0), _wall(1.1)


def test_a_run_without_valgrind_stops_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`run` selects the cost suite by default: without valgrind it must say so and exit 2
    before asv benchmarks anything."""
    from afirgen_bench.cli import main

    monkeypatch.setenv("HOME", str(tmp_path))  # asv registers the machine in ~/.asv-machine.json
    monkeypatch.setattr("shutil.which", _which_without("valgrind"))
    monkeypatch.chdir(ROOT)
    assert main(["run", "--machine", "no-valgrind-here"]) == 2
    err = capsys.readouterr().err
    assert "valgrind is not installed" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def _which_without(missing: str):
    import shutil

    real = shutil.which

    def which(name: str, *args: object, **kwargs: object) -> str | None:
        return None if name == missing else real(name, *args, **kwargs)

    return which
