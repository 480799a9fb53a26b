"""The judge on recorded results: what is a regression, an improvement, an SLA breach, and
what the harness cannot judge. Results are asv result files written for two real commits of
a scratch repository; samples are synthetic and seeded, and the machine's noise calibration
says the timed benchmark is steady (0.5 %) unless a test says otherwise."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from afirgen_bench.asv_driver import MACHINE
from afirgen_bench.calibration import Calibration, Noise, calibration_path
from afirgen_bench.cli import main
from afirgen_bench.errors import EXIT_CANNOT_JUDGE, EXIT_OK, EXIT_VERDICT_FAILED

ROOT = Path(__file__).resolve().parents[2]
TIMED = "database.SimpleSelectById.time_select_by_id"  # SLA: p95 50 ms, p99 100 ms
HIT_RATE = "cache.HitRate.track_hit_rate"  # higher is better (gate.toml)
COLUMNS = [
    "result",
    "params",
    "version",
    "started_at",
    "duration",
    "stats_ci_99_a",
    "stats_ci_99_b",
    "stats_q_25",
    "stats_q_75",
    "stats_number",
    "stats_repeat",
    "samples",
]


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True)
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with two commits, the project's gate and SLA files, and a results dir."""
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in ("gate.toml", "sla.toml"):
        shutil.copy(ROOT / name, repo / name)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "t@example.com")
    _git(repo, "config", "user.name", "t")
    for message in ("base", "head"):
        (repo / "change.txt").write_text(message)
        _git(repo, "add", ".")
        _git(repo, "commit", "-q", "-m", message)
    results = repo / "results"
    (results / MACHINE).mkdir(parents=True)
    index = {
        TIMED: {"type": "time", "unit": "seconds", "param_names": [], "params": []},
        HIT_RATE: {"type": "track", "unit": "%", "param_names": [], "params": []},
    }
    (results / "benchmarks.json").write_text(json.dumps(index))
    _calibrate(repo, sigma=0.005)
    return repo


def _calibrate(repo: Path, sigma: float) -> None:
    Calibration(
        machine=MACHINE,
        measured_at="2026-11-27T00:00:00Z",
        commit="0" * 40,
        runs=5,
        seconds_per_run=[60.0] * 5,
        noise={TIMED: Noise(sigma=sigma, runs=5, largest=sigma)},
    ).save(calibration_path(repo, MACHINE))


def _samples(median_s: float, seed: int, n: int = 200) -> list[float]:
    rng = np.random.default_rng(seed)
    return list(median_s * (1 + 0.02 * rng.standard_normal(n)))


def _write(repo: Path, rev: str, samples: list[float], hit_rate: float) -> Path:
    commit = _git(repo, "rev-parse", rev)
    rows = {
        TIMED: [
            [float(np.median(samples))],
            [],
            "1",
            0,
            1.0,
            None,
            None,
            None,
            None,
            [1],
            [len(samples)],
            [samples],
        ],
        HIT_RATE: [[hit_rate], [], "1", 0, 1.0],
    }
    data = {
        "commit_hash": commit,
        "env_name": "env",
        "date": 0,
        "params": {},
        "python": "3.11",
        "requirements": {},
        "env_vars": {},
        "result_columns": COLUMNS,
        "results": rows,
        "durations": {},
        "version": 2,
    }
    path = repo / "results" / MACHINE / f"{commit[:8]}-env.json"
    path.write_text(json.dumps(data))
    return path


def _compare(repo: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.chdir(repo)
    return main(["compare", "HEAD~1", "HEAD", "--reports", str(repo / "reports")])


def _report(repo: Path) -> dict:
    return json.loads((repo / "reports" / "report.json").read_text())


def _verdict_of(repo: Path, benchmark: str) -> str:
    return next(c["verdict"] for c in _report(repo)["changes"] if c["benchmark"] == benchmark)


def test_ten_percent_slowdown_is_a_regression(repo: Path, monkeypatch) -> None:
    _write(repo, "HEAD~1", _samples(0.005, 1), 80.0)
    _write(repo, "HEAD", _samples(0.0055, 2), 80.0)
    assert _compare(repo, monkeypatch) == EXIT_VERDICT_FAILED
    assert _verdict_of(repo, TIMED) == "regression"
    assert "FAILED: 1 regression" in (repo / "reports" / "comment.md").read_text()


def test_unchanged_commit_is_clean(repo: Path, monkeypatch) -> None:
    _write(repo, "HEAD~1", _samples(0.005, 1), 80.0)
    _write(repo, "HEAD", _samples(0.005, 2), 80.0)
    assert _compare(repo, monkeypatch) == EXIT_OK
    assert _verdict_of(repo, TIMED) == "unchanged"


def test_three_percent_change_is_not_flagged(repo: Path, monkeypatch) -> None:
    _write(repo, "HEAD~1", _samples(0.005, 1), 80.0)
    _write(repo, "HEAD", _samples(0.00515, 2), 80.0)
    assert _compare(repo, monkeypatch) == EXIT_OK
    assert _verdict_of(repo, TIMED) == "unchanged"


def test_hit_rate_going_up_is_an_improvement_and_down_a_regression(repo, monkeypatch) -> None:
    _write(repo, "HEAD~1", _samples(0.005, 1), 70.0)
    _write(repo, "HEAD", _samples(0.005, 2), 84.0)
    assert _compare(repo, monkeypatch) == EXIT_OK
    assert _verdict_of(repo, HIT_RATE) == "improvement"
    _write(repo, "HEAD~1", _samples(0.005, 1), 84.0)
    _write(repo, "HEAD", _samples(0.005, 2), 70.0)
    assert _compare(repo, monkeypatch) == EXIT_VERDICT_FAILED
    assert _verdict_of(repo, HIT_RATE) == "regression"


def test_noisy_benchmark_is_advisory_and_its_change_uncertain(repo, monkeypatch) -> None:
    _calibrate(repo, sigma=0.04)  # detects only ~20 %: too noisy to gate at 5 %
    _write(repo, "HEAD~1", _samples(0.005, 1), 80.0)
    _write(repo, "HEAD", _samples(0.0054, 2), 80.0)
    assert _compare(repo, monkeypatch) == EXIT_OK
    change = next(c for c in _report(repo)["changes"] if c["benchmark"] == TIMED)
    assert change["verdict"] == "uncertain" and change["advisory"] is True
    assert change["minimum_detectable_effect"] == pytest.approx(0.2045, abs=0.001)
    summary = (repo / "reports" / "summary.txt").read_text()
    assert "Uncertain" in summary and "detects 20.5% or more, not 5%" in summary


def test_noisy_benchmark_still_reports_a_large_regression(repo, monkeypatch) -> None:
    _calibrate(repo, sigma=0.04)
    _write(repo, "HEAD~1", _samples(0.005, 1), 80.0)
    _write(repo, "HEAD", _samples(0.0075, 2), 80.0)  # 50 % slower: far beyond its noise
    assert _compare(repo, monkeypatch) == EXIT_OK  # advisory: reported, not failing
    summary = (repo / "reports" / "summary.txt").read_text()
    assert "Advisory regressions" in summary and TIMED in summary


def test_without_calibration_the_bare_threshold_decides(repo, monkeypatch) -> None:
    calibration_path(repo, MACHINE).unlink()
    _write(repo, "HEAD~1", _samples(0.005, 1), 80.0)
    _write(repo, "HEAD", _samples(0.0055, 2), 80.0)
    assert _compare(repo, monkeypatch) == EXIT_VERDICT_FAILED
    change = next(c for c in _report(repo)["changes"] if c["benchmark"] == TIMED)
    assert change["noise_source"] == "uncalibrated" and change["minimum_detectable_effect"] is None
    assert "no calibration for" in (repo / "reports" / "summary.txt").read_text()


def test_a_corrupt_calibration_exits_2(repo, monkeypatch, capsys) -> None:
    calibration_path(repo, MACHINE).write_text("{not json")
    _write(repo, "HEAD~1", _samples(0.005, 1), 80.0)
    _write(repo, "HEAD", _samples(0.005, 2), 80.0)
    assert _compare(repo, monkeypatch) == EXIT_CANNOT_JUDGE
    assert "calibrate" in capsys.readouterr().err


def test_new_sla_breach_fails_and_names_the_limit(repo: Path, monkeypatch, capsys) -> None:
    _write(repo, "HEAD~1", _samples(0.004, 1), 80.0)
    _write(repo, "HEAD", _samples(0.0041, 2) + [0.06] * 20, 80.0)  # a slow tail: P95 > 50 ms
    assert _compare(repo, monkeypatch) == EXIT_VERDICT_FAILED
    out = capsys.readouterr().out
    assert "new SLA breach" in out and "p95_ms" in out
    breach = next(s for s in _report(repo)["sla"] if s["benchmark"] == TIMED)
    assert breach["status"] == "fail" and breach["new"] is True
    assert breach["breaches"][0]["limit"] == "p95_ms"


def test_sla_command_exits_1_on_a_breach(repo: Path, monkeypatch, capsys) -> None:
    _write(repo, "HEAD", _samples(0.080, 2), 80.0)  # P95 far over 50 ms
    monkeypatch.chdir(repo)
    assert main(["sla", "HEAD"]) == EXIT_VERDICT_FAILED
    assert "p95_ms" in capsys.readouterr().out


def test_truncated_result_file_exits_2_with_a_clear_message(repo, monkeypatch, capsys) -> None:
    _write(repo, "HEAD~1", _samples(0.005, 1), 80.0)
    path = _write(repo, "HEAD", _samples(0.005, 2), 80.0)
    path.write_text(path.read_text()[:200])
    assert _compare(repo, monkeypatch) == EXIT_CANNOT_JUDGE
    err = capsys.readouterr().err
    assert "corrupt or truncated" in err and "Traceback" not in err


def test_missing_results_and_bad_revisions_exit_2(repo: Path, monkeypatch, capsys) -> None:
    _write(repo, "HEAD", _samples(0.005, 2), 80.0)
    assert _compare(repo, monkeypatch) == EXIT_CANNOT_JUDGE
    assert "no results for commit" in capsys.readouterr().err
    assert main(["compare", "no-such-rev", "HEAD"]) == EXIT_CANNOT_JUDGE
    assert "not a commit" in capsys.readouterr().err


def test_a_benchmark_that_failed_at_head_cannot_be_judged(repo, monkeypatch) -> None:
    _write(repo, "HEAD~1", _samples(0.005, 1), 80.0)
    path = _write(repo, "HEAD", _samples(0.005, 2), 80.0)
    data = json.loads(path.read_text())
    data["results"][TIMED][0] = None  # asv writes null for a failed benchmark
    path.write_text(json.dumps(data))
    assert _compare(repo, monkeypatch) == EXIT_CANNOT_JUDGE
    assert _verdict_of(repo, TIMED) == "failed"


def test_reports_come_in_four_formats(repo: Path, monkeypatch) -> None:
    _write(repo, "HEAD~1", _samples(0.005, 1), 80.0)
    _write(repo, "HEAD", _samples(0.0055, 2), 80.0)
    monkeypatch.chdir(repo)
    assert main(["report", "HEAD~1", "HEAD", "--output", str(repo / "out")]) == EXIT_OK
    names = sorted(p.name for p in (repo / "out").iterdir())
    assert names == ["comment.md", "detailed.txt", "report.json", "summary.txt"]
    detailed = (repo / "out" / "detailed.txt").read_text()
    assert TIMED in detailed and "regression" in detailed
    assert (
        "| `database.SimpleSelectById.time_select_by_id` | regression |"
        in (repo / "out" / "comment.md").read_text()
    )
