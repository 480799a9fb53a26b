"""Noise, detectability and the proof harness's pieces: pure logic, no servers."""

from __future__ import annotations

import math
import re
import subprocess
import time
from pathlib import Path

import pytest

from afirgen_bench.core.calibration import SIGMA_FLOOR, estimate
from afirgen_bench.core.config import Calibration, GateConfig, Noise
from afirgen_bench.core.gate import compare_one
from afirgen_bench.core.models import Kind, Measurement, NoiseSource, Verdict
from afirgen_bench.core.reports import noise_rows
from afirgen_bench.core.stats import Detection, Shift, fastest_round_shift
from afirgen_bench.git import twin_commit
from afirgen_bench.noise_page import NOISE_LINK, write_noise_page
from afirgen_bench.proof import TARGETS, Outcome, bench_pattern, inject, markdown, summarize

ROOT = Path(__file__).resolve().parents[2]


def _rounds(*medians: float, per_round: int = 5) -> tuple[float, ...]:
    return tuple(m for m in medians for _ in range(per_round))


VERSION = "2026.11.29 rounds=4 repeat=5 number=1"


def _calibration(noise: dict[str, Noise], commit: str = "c" * 40, at: str = "t") -> Calibration:
    return Calibration(
        machine="m", measured_at=at, commit=commit, runs=3, seconds_per_run=[1.0], noise=noise
    )


def _noise(sigma: float, version: str | None = VERSION) -> Noise:
    return Noise(sigma=sigma, runs=3, largest=0.0, version=version)


def _timed(key: str, medians: tuple[float, ...], version: str | None = VERSION) -> Measurement:
    return Measurement(key, (), Kind.TIME, "seconds", medians[0], False, _rounds(*medians), version)


def test_samples_split_into_the_recorded_rounds_only_when_they_fit() -> None:
    assert _timed("a", (1.0, 2.0, 3.0, 4.0)).rounds == [(m,) * 5 for m in (1.0, 2.0, 3.0, 4.0)]
    uneven = Measurement("a", (), Kind.TIME, "s", 1.0, False, _rounds(1.0, 2.0)[:-1], VERSION)
    assert uneven.rounds is None
    assert _timed("a", (1.0, 2.0, 3.0, 4.0), version="2026.11.1").rounds is None  # no design


def test_a_burst_that_slows_whole_rounds_does_not_move_the_estimate() -> None:
    base = [[100.0], [101.0], [100.5], [100.2]]
    head = [[100.4], [150.0], [100.1], [140.0]]  # two rounds hit by interference
    assert fastest_round_shift(base, head).ratio == pytest.approx(1.001, abs=1e-3)


def test_detection_limit_and_minimum_effect_follow_the_noise() -> None:
    steady = Detection(sigma=0.005, alpha=0.01, power=0.975, threshold=0.05)
    # (z 0.99 + z 0.975) * 0.5 % = (2.326 + 1.960) * 0.5 % = 2.14 %
    assert steady.minimum_effect == pytest.approx(math.expm1(4.286 * 0.005), rel=1e-3)
    assert steady.meets_threshold and steady.promise == 0.05
    # flagged where a 5 % slowdown is caught with the power: log(1.05) - 1.96 sigma
    assert steady.flag_at == pytest.approx(math.log(1.05) - 1.960 * 0.005, rel=1e-3)
    noisy = Detection(sigma=0.03, alpha=0.01, power=0.975, threshold=0.05)
    assert not noisy.meets_threshold and noisy.flag_at == pytest.approx(2.326 * 0.03, rel=1e-3)
    # a noisy benchmark promises its MDE, and any slowdown beyond it is flagged
    assert noisy.promise == pytest.approx(noisy.minimum_effect) and noisy.promise > 0.05
    assert math.log1p(noisy.promise) > noisy.flag_at


def test_exact_figures_are_flagged_at_the_threshold() -> None:
    exact = Detection(sigma=0.0, alpha=0.01, power=0.975, threshold=0.05)
    assert exact.minimum_effect == 0.0 and exact.flag_at == pytest.approx(math.log(1.05))


def test_calibrated_noise_is_the_rms_of_a_a_shifts_with_a_floor() -> None:
    runs = [
        {"a": (Shift(0.02), "v"), "b": (Shift(0.0001), "v"), "c": (Shift(0.01), "v")},
        {"a": (Shift(-0.01), "v"), "b": (Shift(0.0002), "v"), "c": (Shift(0.01), "w")},
    ]
    noise = estimate(runs)
    assert noise["a"].sigma == pytest.approx(math.sqrt((0.02**2 + 0.01**2) / 2))
    assert noise["a"].runs == 2 and noise["a"].largest == 0.02 and noise["a"].version == "v"
    assert noise["b"].sigma == SIGMA_FLOOR
    assert "c" not in noise  # measured under two versions: no estimate


def test_calibrated_noise_applies_only_to_the_version_it_was_measured_for() -> None:
    calibration = _calibration({"x.X.time_a": _noise(0.03, version="old design")})
    base = _timed("x.X.time_a", (1.00, 1.00, 1.00, 1.00))
    head = _timed("x.X.time_a", (1.04, 1.04, 1.04, 1.04))
    change = compare_one(base, head, GateConfig(), calibration)
    assert change.noise_source is NoiseSource.UNCALIBRATED and change.limit == 0.05


def test_gate_uses_the_fastest_round_and_the_calibration() -> None:
    calibration = _calibration({"x.X.time_a": _noise(0.005)})
    base = _timed("x.X.time_a", (1.00, 1.30, 1.01, 1.02))
    slower = _timed("x.X.time_a", (1.05, 1.06, 1.50, 1.07))
    change = compare_one(base, slower, GateConfig(), calibration)
    assert change.verdict is Verdict.REGRESSION and change.fails
    assert change.noise_source is NoiseSource.CALIBRATED and change.ratio == pytest.approx(1.05)
    steady = _timed("x.X.time_a", (1.01, 1.00, 1.40, 1.02))
    assert compare_one(base, steady, GateConfig(), calibration).verdict is Verdict.UNCHANGED


def test_noise_rows_give_each_benchmark_its_limit(tmp_path: Path) -> None:
    calibration = _calibration({"a.A.time_x": _noise(0.004), "a.A.time_y": _noise(0.03)})
    rows = {r["benchmark"]: r for r in noise_rows(calibration, GateConfig())}
    assert rows["a.A.time_x"]["meets_threshold"] and rows["a.A.time_x"]["limit"] == 0.05
    assert not rows["a.A.time_y"]["meets_threshold"]
    assert rows["a.A.time_y"]["limit"] == pytest.approx(math.expm1(4.653 * 0.03), rel=1e-3)
    (tmp_path / "index.html").write_text('<ul><li id="nav-li-regressions">R</li></ul>')
    page = write_noise_page(tmp_path, list(rows.values()), "heading")
    write_noise_page(tmp_path, list(rows.values()), "heading")  # linked once, not twice
    assert "a.A.time_y" in page.read_text() and "limit" in page.read_text()
    assert (tmp_path / "index.html").read_text().count(NOISE_LINK) == 1


def test_duet_noise_has_a_section_and_limits_of_its_own(tmp_path: Path) -> None:
    from afirgen_bench.core.reports import duet_heading

    calibration = _calibration({}).model_copy(
        update={
            "duet": {
                "api.GetFirStatus.time_get_fir_status": _noise(0.004),
                "a.A.time_y": _noise(0.1),
            }
        }
    )
    rows = noise_rows(calibration, GateConfig(), duet=True)
    heading = duet_heading(calibration, GateConfig())
    assert "1 of 2 detect a 5% slowdown" in heading
    assert "1 of 1 HTTP reads have a limit of 10 % or less" in heading
    assert "1 have a limit above 50%" in heading and "a.A.time_y" in heading
    (tmp_path / "index.html").write_text('<ul><li id="nav-li-regressions">R</li></ul>')
    page = write_noise_page(tmp_path, [], "h", duet=rows, duet_heading=heading).read_text()
    assert "Wall times in duet" in page and "a.A.time_y" in page


def test_the_twin_has_the_same_tree_and_is_the_same_every_time(tmp_path: Path) -> None:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)
        return done.stdout.decode().strip()

    git("init", "-q", "-b", "main")
    (tmp_path / "f").write_text("x")
    git("add", "f")
    git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "-m", "one")
    head = git("rev-parse", "HEAD")
    twin = twin_commit(tmp_path, head)
    assert twin != head and twin_commit(tmp_path, head) == twin
    assert git("rev-parse", f"{twin}^{{tree}}") == git("rev-parse", f"{head}^{{tree}}")


SOURCE = '''
class Cache:
    def get(self, key):
        """Docstring stays first."""
        return key
'''


def test_injected_slowdown_goes_after_the_docstring_and_runs() -> None:
    slowed = inject(SOURCE, "Cache.get", 0.002)
    assert slowed.index('"""Docstring') < slowed.index("_proof_until")
    namespace: dict = {}
    exec(compile(slowed, "slowed", "exec"), namespace)
    started = time.perf_counter()
    assert namespace["Cache"]().get(7) == 7
    assert time.perf_counter() - started >= 0.002
    assert "unchanged code" in inject(SOURCE, "Cache.get", 0.0)


def test_every_proof_target_exists_in_the_backend() -> None:
    for target in TARGETS:
        assert "_proof_until" in inject((ROOT / target.path).read_text(), target.function, 1e-6)


def test_proof_summary_counts_confirmed_flags_per_level_and_for_the_gate() -> None:
    rows = [
        Outcome(1, 0, "a", 1.0, suspected=False, confirmed=False, advisory=False),
        Outcome(1, 0, "b", 1.02, suspected=True, confirmed=False, advisory=False),
        Outcome(1, 5, "a", 1.05, suspected=True, confirmed=True, advisory=False),
        Outcome(1, 5, "b", 1.06, suspected=True, confirmed=False, advisory=True),
        Outcome(2, 0, "a", 1.0, suspected=False, confirmed=False, advisory=False),
        Outcome(2, 0, "b", 1.0, suspected=False, confirmed=False, advisory=False),
        Outcome(2, 5, "a", 1.01, suspected=False, confirmed=False, advisory=False),
        Outcome(2, 5, "b", 1.05, suspected=True, confirmed=False, advisory=True),
    ]
    summary = summarize(rows)
    assert summary["gate"] == {0: {"checks": 2, "failed": 0}, 5: {"checks": 2, "failed": 1}}
    assert summary["per_benchmark"]["a"][5]["confirmed"] == 1
    assert summary["per_benchmark"]["b"][0]["suspected"] == 1
    text = markdown(
        summary, {"machine": "m", "date": "d", "command": "c", "base": "b" * 8, "minutes": 1}
    )
    assert "| **whole gate (any benchmark failed)** | 0/2 | 1/2 |" in text
    assert "(advisory)" in text


def test_a_partial_recalibration_keeps_the_rest_and_says_so() -> None:
    full = _calibration({"a": _noise(0.01), "b": _noise(0.02)}, at="t0")
    update = _calibration({"b": _noise(0.005)}, commit="d" * 40, at="t1")
    merged = full.merged(update, "^b")
    assert merged.noise["a"].sigma == 0.01 and merged.noise["b"].sigma == 0.005
    assert merged.seconds_per_run == [1.0] and "recalibrated at t1" in merged.notes[0]


def test_proof_selects_plain_and_parameterised_benchmarks_exactly() -> None:
    pattern = re.compile(bench_pattern(["a.B.time_x(10000)", "a.B.time_y"]))
    assert pattern.search("a.B.time_x(10000)") and pattern.search("a.B.time_y")
    assert not pattern.search("a.B.time_y_more") and not pattern.search("a.B.time_z")


def test_a_benchmark_missing_a_rounds_samples_cannot_pass() -> None:
    base = _timed("x.X.time_a", (1.0, 1.0, 1.0, 1.0))
    short = Measurement(
        "x.X.time_a", (), Kind.TIME, "seconds", 1.0, False, _rounds(1.0, 1.0), VERSION
    )
    assert short.problem is not None and "10 of its 20 samples" in short.problem
    assert compare_one(base, short, GateConfig()).verdict is Verdict.INVALID
