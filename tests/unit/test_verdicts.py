"""The judge on recorded results, through the command line as users and CI run it: what is
a regression, an improvement, an SLA breach, and everything the harness cannot judge.

Results are asv result files written for two real commits of a scratch repository, edited the
ways users and CI produce them; samples are synthetic and seeded, and the machine's noise
calibration says the timed benchmark is steady (0.5 %) unless a test says otherwise."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from asv_files import RESULT_COLUMNS

from afirgen_bench.cli import main
from afirgen_bench.core.config import Calibration, Noise
from afirgen_bench.core.errors import ExitCode

ROOT = Path(__file__).resolve().parents[2]
MACHINE = "test-machine"
VERSION = "2026.11.29 rounds=4 repeat=50 number=1"
TIMED = "database.SimpleSelectById.time_select_by_id"  # SLA: p95 50 ms, p99 100 ms
HIT_RATE = "cache.HitRate.track_hit_rate"  # higher is better, exact (gate.toml)
ERRORS = "load.LoadTest.track_error_rate"  # judged by absolute change (gate.toml)


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True)
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
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
        ERRORS: {"type": "track", "unit": "%", "param_names": [], "params": []},
        "version": 2,
    }
    (results / "benchmarks.json").write_text(json.dumps(index))
    _calibrate(repo, sigma=0.005)
    monkeypatch.setenv("AFIRGEN_BENCH_MACHINE", MACHINE)
    monkeypatch.chdir(repo)
    return repo


def _calibration_path(repo: Path) -> Path:
    return repo / "calibration" / f"{MACHINE}.json"


def _calibrate(repo: Path, sigma: float) -> None:
    path = _calibration_path(repo)
    path.parent.mkdir(exist_ok=True)
    calibration = Calibration(
        machine=MACHINE,
        measured_at="2026-11-27T00:00:00Z",
        commit="0" * 40,
        runs=5,
        seconds_per_run=[60.0] * 5,
        noise={TIMED: Noise(sigma=sigma, runs=5, largest=sigma, version=VERSION)},
    )
    path.write_text(calibration.dumps())


def _samples(median_s: float, seed: int, n: int = 200) -> list[float]:
    rng = np.random.default_rng(seed)
    return list(median_s * (1 + 0.02 * rng.standard_normal(n)))


def _write(
    repo: Path,
    rev: str,
    samples: list[float],
    hit_rate: float = 80.0,
    errors: float = 0.0,
    version: str = VERSION,
    run_started: float = 0.0,
) -> Path:
    """A result file of ``rev``, and the harness's record of the run it came from (runs
    that started at the same moment are one run)."""
    commit = _git(repo, "rev-parse", rev)
    host = repo / "results-host" / MACHINE
    host.mkdir(parents=True, exist_ok=True)
    (host / f"{commit[:8]}.json").write_text(json.dumps({"started": run_started, "seconds": 10.0}))
    rows = {
        TIMED: [
            [float(np.median(samples))],
            [],
            version,
            int(run_started * 1000),
            1.0,
            None,
            None,
            None,
            None,
            [1],
            [len(samples)],
            [samples],
        ],
        HIT_RATE: [[hit_rate], [], VERSION, int(run_started * 1000), 1.0],
        ERRORS: [[errors], [], VERSION, int(run_started * 1000), 1.0],
    }
    data = {
        "commit_hash": commit,
        "env_name": "env",
        "date": 0,
        "params": {"machine": MACHINE, "python": "3.11"},
        "python": "3.11",
        "requirements": {},
        "env_vars": {},
        "result_columns": RESULT_COLUMNS,
        "results": rows,
        "durations": {},
        "version": 2,
    }
    path = repo / "results" / MACHINE / f"{commit[:8]}-env.json"
    path.write_text(json.dumps(data))
    return path


def _edit(path: Path, change: Callable[[dict], None]) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def _compare(repo: Path) -> int:
    return main(["compare", "HEAD~1", "HEAD", "--reports", str(repo / "reports")])


def _report(repo: Path) -> dict:
    return json.loads((repo / "reports" / "report.json").read_text())


def _change(repo: Path, benchmark: str) -> dict:
    return next(c for c in _report(repo)["changes"] if c["benchmark"] == benchmark)


def _named_everywhere(repo: Path, benchmark: str) -> bool:
    reports = repo / "reports"
    return all(
        benchmark in (reports / name).read_text()
        for name in ("summary.txt", "detailed.txt", "report.json", "comment.md")
    )


def _one_clean_line(err: str) -> bool:
    return "Traceback" not in err and len(err.strip().splitlines()) == 1


# -- verdicts ----------------------------------------------------------------------------


def test_ten_percent_slowdown_is_a_regression(repo: Path) -> None:
    _write(repo, "HEAD~1", _samples(0.005, 1))
    _write(repo, "HEAD", _samples(0.0055, 2))
    assert _compare(repo) == ExitCode.VERDICT_FAILED
    assert _change(repo, TIMED)["verdict"] == "regression"
    assert "FAILED: 1 regression" in (repo / "reports" / "comment.md").read_text()


def test_machine_drift_between_runs_is_not_a_regression(repo: Path) -> None:
    """Results of two runs hours apart: 1.6x slower everywhere, as the machine drifted
    (seen here: 1.1-1.9x in a day). Without a measured drift, the wall time is not judged."""
    _write(repo, "HEAD~1", _samples(0.005, 1), run_started=0.0)
    _write(repo, "HEAD", _samples(0.008, 2), run_started=7200.0)
    assert _compare(repo) == ExitCode.OK
    assert _change(repo, TIMED)["verdict"] == "not judged across runs"
    assert "judged as between runs" in (repo / "reports" / "summary.txt").read_text()


def test_a_result_file_rewritten_after_its_run_counts_as_another_run(repo: Path) -> None:
    """Both host records say one run, but the head's results were measured later (asv run
    by hand): its span lies outside the recorded run, so it is judged across runs."""
    _write(repo, "HEAD~1", _samples(0.005, 1), run_started=0.0)
    path = _write(repo, "HEAD", _samples(0.008, 2), run_started=0.0)
    _edit(path, lambda data: data["results"][TIMED].__setitem__(3, 5_000_000))
    assert _compare(repo) == ExitCode.OK
    assert _change(repo, TIMED)["verdict"] == "not judged across runs"


def test_unchanged_commit_is_clean(repo: Path) -> None:
    _write(repo, "HEAD~1", _samples(0.005, 1))
    _write(repo, "HEAD", _samples(0.005, 2))
    assert _compare(repo) == ExitCode.OK
    assert _change(repo, TIMED)["verdict"] == "unchanged"


def test_three_percent_change_is_not_flagged(repo: Path) -> None:
    _write(repo, "HEAD~1", _samples(0.005, 1))
    _write(repo, "HEAD", _samples(0.00515, 2))
    assert _compare(repo) == ExitCode.OK
    assert _change(repo, TIMED)["verdict"] == "unchanged"


def test_hit_rate_going_up_is_an_improvement_and_down_a_regression(repo: Path) -> None:
    _write(repo, "HEAD~1", _samples(0.005, 1), hit_rate=70.0)
    _write(repo, "HEAD", _samples(0.005, 2), hit_rate=84.0)
    assert _compare(repo) == ExitCode.OK
    assert _change(repo, HIT_RATE)["verdict"] == "improvement"
    _write(repo, "HEAD~1", _samples(0.005, 1), hit_rate=84.0)
    _write(repo, "HEAD", _samples(0.005, 2), hit_rate=70.0)
    assert _compare(repo) == ExitCode.VERDICT_FAILED
    assert _change(repo, HIT_RATE)["verdict"] == "regression"


def test_a_noisy_benchmark_promises_its_mde_and_its_small_change_is_uncertain(repo) -> None:
    _calibrate(repo, sigma=0.04)  # detects only ~20 %
    _write(repo, "HEAD~1", _samples(0.005, 1))
    _write(repo, "HEAD", _samples(0.0054, 2))
    assert _compare(repo) == ExitCode.OK
    change = _change(repo, TIMED)
    assert change["verdict"] == "uncertain" and change["advisory"] is True
    assert change["limit"] == pytest.approx(0.2045, abs=0.001)
    assert "limit 20.5%" in (repo / "reports" / "summary.txt").read_text()


@pytest.mark.parametrize("slower", [1.5, 10.0])
def test_a_noisy_benchmark_fails_beyond_its_limit(repo: Path, slower: float) -> None:
    _calibrate(repo, sigma=0.04)
    _write(repo, "HEAD~1", _samples(0.005, 1))
    _write(repo, "HEAD", _samples(0.005 * slower, 2))
    assert _compare(repo) == ExitCode.VERDICT_FAILED
    assert _change(repo, TIMED)["verdict"] == "regression"


def test_without_calibration_the_bare_threshold_decides_and_the_report_says_so(repo) -> None:
    _calibration_path(repo).unlink()
    _write(repo, "HEAD~1", _samples(0.005, 1))
    _write(repo, "HEAD", _samples(0.0055, 2))
    assert _compare(repo) == ExitCode.VERDICT_FAILED
    change = _change(repo, TIMED)
    assert change["noise_source"] == "uncalibrated" and change["limit"] == 0.05
    assert "no calibration for test-machine" in (repo / "reports" / "summary.txt").read_text()


def test_error_rate_from_zero_is_judged_by_its_absolute_limit(repo: Path) -> None:
    _write(repo, "HEAD~1", _samples(0.005, 1), errors=0.0)
    _write(repo, "HEAD", _samples(0.005, 2), errors=40.0)
    assert _compare(repo) == ExitCode.VERDICT_FAILED
    assert _change(repo, ERRORS)["verdict"] == "regression"
    _write(repo, "HEAD", _samples(0.005, 2), errors=0.5)  # within 1 percentage point
    _compare(repo)  # (the SLA allows no errors at all: that fails on its own)
    assert _change(repo, ERRORS)["verdict"] == "unchanged"


def test_a_zero_baseline_without_an_absolute_limit_cannot_pass(repo: Path) -> None:
    _write(repo, "HEAD~1", _samples(0.005, 1), hit_rate=0.0)
    _write(repo, "HEAD", _samples(0.005, 2), hit_rate=40.0)
    assert _compare(repo) == ExitCode.CANNOT_JUDGE
    assert _change(repo, HIT_RATE)["verdict"] == "invalid"
    assert _named_everywhere(repo, HIT_RATE)


def test_new_sla_breach_fails_and_names_the_limit(repo: Path, capsys) -> None:
    _write(repo, "HEAD~1", _samples(0.004, 1))
    _write(repo, "HEAD", _samples(0.0041, 2, n=180) + [0.06] * 20)  # a slow tail: P95 > 50 ms
    assert _compare(repo) == ExitCode.VERDICT_FAILED
    out = capsys.readouterr().out
    assert "new SLA breach" in out and "p95_ms" in out
    breach = next(s for s in _report(repo)["sla"] if s["benchmark"] == TIMED)
    assert breach["status"] == "fail" and breach["new"] is True
    assert breach["breaches"][0]["limit"] == "p95_ms"


def test_sla_command_exits_1_on_a_breach(repo: Path, capsys) -> None:
    _write(repo, "HEAD", _samples(0.080, 2))  # P95 far over 50 ms
    assert main(["sla", "HEAD"]) == ExitCode.VERDICT_FAILED
    assert "p95_ms" in capsys.readouterr().out


def test_a_percentile_needs_enough_samples_to_be_judged(repo: Path, capsys) -> None:
    one_round = "2026.11.29 rounds=1 repeat=61 number=1"
    _write(repo, "HEAD", [*_samples(0.002, 2, n=60), 0.5], version=one_round)  # 1 slow of 61
    assert main(["sla", "HEAD"]) == ExitCode.VERDICT_FAILED  # the mean, not P99, breaks
    out = capsys.readouterr().out
    assert "p95_ms not judged: 61 samples, it needs 100" in out
    assert "p99_ms not judged: 61 samples, it needs 500" in out


def test_report_exits_with_the_verdict(repo: Path) -> None:
    _write(repo, "HEAD~1", _samples(0.005, 1))
    _write(repo, "HEAD", _samples(0.0055, 2))
    assert main(["report", "HEAD~1", "HEAD", "--output", str(repo / "out")]) == 1
    names = sorted(p.name for p in (repo / "out").iterdir())
    assert names == ["comment.md", "detailed.txt", "report.json", "summary.txt"]
    assert (
        "| `database.SimpleSelectById.time_select_by_id` | regression |"
        in (repo / "out" / "comment.md").read_text()
    )


# -- nothing that failed, vanished or came out invalid can pass ---------------------------


def _fail_at_head(data: dict) -> None:
    data["results"][TIMED][0] = None  # asv writes null for a failed benchmark


def _skip_at_head(data: dict) -> None:
    data["results"][TIMED][0] = [float("nan")]  # and NaN for a skipped one


def _gone_at_head(data: dict) -> None:
    del data["results"][TIMED]


def _nan_sample(data: dict) -> None:
    data["results"][TIMED][11][0][5] = float("nan")


def _zero_sample(data: dict) -> None:
    data["results"][TIMED][11][0][5] = 0.0


def _negative_sample(data: dict) -> None:
    data["results"][TIMED][11][0][5] = -0.001


@pytest.mark.parametrize(
    ("edit", "verdict"),
    [
        (_fail_at_head, "failed"),
        (_skip_at_head, "not run"),
        (_gone_at_head, "gone"),
        (_nan_sample, "invalid"),
        (_zero_sample, "invalid"),
        (_negative_sample, "invalid"),
    ],
)
def test_a_benchmark_that_did_not_run_or_ran_wrongly_at_head_cannot_pass(
    repo: Path, edit: Callable[[dict], None], verdict: str
) -> None:
    _write(repo, "HEAD~1", _samples(0.005, 1))
    _edit(_write(repo, "HEAD", _samples(0.005, 2)), edit)
    assert _compare(repo) == ExitCode.CANNOT_JUDGE
    assert _change(repo, TIMED)["verdict"] == verdict
    assert _named_everywhere(repo, TIMED)


def test_skipped_at_both_commits_passes(repo: Path) -> None:
    _edit(_write(repo, "HEAD~1", _samples(0.005, 1)), _skip_at_head)
    _edit(_write(repo, "HEAD", _samples(0.005, 2)), _skip_at_head)
    assert _compare(repo) == ExitCode.OK
    assert _change(repo, TIMED)["verdict"] == "skipped"


# -- corrupt input: exit 2, one line, no traceback ----------------------------------------


def _results_list(data: dict) -> None:
    data["results"] = []


def _row_is_a_string(data: dict) -> None:
    data["results"][TIMED] = "fast"


def _result_is_a_string(data: dict) -> None:
    data["results"][TIMED][0] = ["fast"]


def _other_commit(data: dict) -> None:
    data["commit_hash"] = "f" * 40


def _other_machine(data: dict) -> None:
    data["params"]["machine"] = "someone-elses-laptop"


def _unknown_key(data: dict) -> None:
    data["surprise"] = 1


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_results_list, "results"),
        (_row_is_a_string, TIMED),
        (_result_is_a_string, TIMED),
        (_other_commit, "holds results of commit ffffffffffff"),
        (_other_machine, "someone-elses-laptop"),
        (_unknown_key, "surprise"),
    ],
)
def test_a_corrupt_or_mismatched_result_file_exits_2(repo, capsys, edit, message) -> None:
    _write(repo, "HEAD~1", _samples(0.005, 1))
    _edit(_write(repo, "HEAD", _samples(0.005, 2)), edit)
    assert _compare(repo) == ExitCode.CANNOT_JUDGE
    err = capsys.readouterr().err
    assert message in err and _one_clean_line(err)


def test_truncated_result_file_exits_2_with_a_clear_message(repo, capsys) -> None:
    _write(repo, "HEAD~1", _samples(0.005, 1))
    path = _write(repo, "HEAD", _samples(0.005, 2))
    path.write_text(path.read_text()[:200])
    assert _compare(repo) == ExitCode.CANNOT_JUDGE
    err = capsys.readouterr().err
    assert "corrupt or truncated" in err and _one_clean_line(err)


def test_a_benchmark_index_entry_of_the_wrong_type_exits_2(repo, capsys) -> None:
    _write(repo, "HEAD~1", _samples(0.005, 1))
    _write(repo, "HEAD", _samples(0.005, 2))
    _edit(repo / "results" / "benchmarks.json", lambda d: d.update({TIMED: ["time"]}))
    assert _compare(repo) == ExitCode.CANNOT_JUDGE
    err = capsys.readouterr().err
    assert "benchmarks.json" in err and _one_clean_line(err)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("sla.toml", f'["{TIMED}"]\np95_ms = "fast"\n', "p95_ms"),
        ("sla.toml", f'["{TIMED}"]\np95_ms = nan\n', "p95_ms"),
        ("sla.toml", f'["{TIMED}"]\np95 = 50\n', "p95"),
        ("gate.toml", "advisory = 5\n", "advisory"),
        ("gate.toml", 'threshold = "5%"\n', "threshold"),
        ("gate.toml", "threshold = 1.5\n", "threshold"),
        ("gate.toml", "[absolute]\nx = -1\n", "absolute"),
    ],
)
def test_a_mistyped_rule_file_exits_2(repo, capsys, name: str, text: str, message: str) -> None:
    _write(repo, "HEAD~1", _samples(0.005, 1))
    _write(repo, "HEAD", _samples(0.005, 2))
    (repo / name).write_text(text)
    assert _compare(repo) == ExitCode.CANNOT_JUDGE
    err = capsys.readouterr().err
    assert name in err and message in err and _one_clean_line(err)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(noise=[]), "noise"),
        (lambda d: d["noise"][TIMED].update(sigma="0.01"), "sigma"),
        (lambda d: d["noise"][TIMED].update(sigma=-0.01), "sigma"),
        (lambda d: d["noise"][TIMED].update(sigma=float("nan")), "sigma"),
        (lambda d: d.update(machine="another-machine"), "another-machine"),
        (lambda d: d.update(extra=True), "extra"),
    ],
)
def test_a_broken_calibration_exits_2(repo, capsys, edit, message: str) -> None:
    _write(repo, "HEAD~1", _samples(0.005, 1))
    _write(repo, "HEAD", _samples(0.005, 2))
    _edit(_calibration_path(repo), edit)
    assert _compare(repo) == ExitCode.CANNOT_JUDGE
    err = capsys.readouterr().err
    assert message in err and _one_clean_line(err)


def test_an_unreadable_calibration_exits_2(repo, capsys) -> None:
    _calibration_path(repo).write_text("{not json")
    _write(repo, "HEAD~1", _samples(0.005, 1))
    _write(repo, "HEAD", _samples(0.005, 2))
    assert _compare(repo) == ExitCode.CANNOT_JUDGE
    assert "calibrate" in capsys.readouterr().err


def test_a_reports_path_that_is_a_file_exits_2(repo, capsys) -> None:
    _write(repo, "HEAD~1", _samples(0.005, 1))
    _write(repo, "HEAD", _samples(0.005, 2))
    (repo / "taken").write_text("a file, not a folder")
    assert main(["compare", "HEAD~1", "HEAD", "--reports", str(repo / "taken")]) == 2
    err = capsys.readouterr().err
    assert "cannot write the reports" in err and _one_clean_line(err)


def test_missing_results_and_bad_revisions_exit_2(repo: Path, capsys) -> None:
    _write(repo, "HEAD", _samples(0.005, 2))
    assert _compare(repo) == ExitCode.CANNOT_JUDGE
    assert "no results for commit" in capsys.readouterr().err
    assert main(["compare", "no-such-rev", "HEAD"]) == ExitCode.CANNOT_JUDGE
    assert "not a commit" in capsys.readouterr().err


def test_an_unnamed_machine_exits_2_and_says_what_to_do(repo, capsys, monkeypatch) -> None:
    monkeypatch.delenv("AFIRGEN_BENCH_MACHINE")
    monkeypatch.setenv("HOME", str(repo))  # no ~/.asv-machine.json
    assert _compare(repo) == ExitCode.CANNOT_JUDGE
    assert "no benchmark machine is named" in capsys.readouterr().err


def test_the_machine_comes_from_asvs_machine_file(repo, monkeypatch) -> None:
    monkeypatch.delenv("AFIRGEN_BENCH_MACHINE")
    monkeypatch.setenv("HOME", str(repo))
    (repo / ".asv-machine.json").write_text(json.dumps({MACHINE: {"machine": MACHINE}}))
    _write(repo, "HEAD~1", _samples(0.005, 1))
    _write(repo, "HEAD", _samples(0.005, 2))
    assert _compare(repo) == ExitCode.OK


def test_show_works_in_a_clone_without_a_local_main(repo, tmp_path, monkeypatch, capsys) -> None:
    (repo / "afirgen_fixtures").mkdir()
    (repo / "afirgen_fixtures" / "x.py").write_text("x = 1\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "backend")
    _write(repo, "HEAD", _samples(0.005, 2))
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", "--branch", "main", str(repo), str(clone))
    _git(clone, "checkout", "-q", "--detach")
    _git(clone, "branch", "-D", "main")
    shutil.copytree(repo / "results", clone / "results", dirs_exist_ok=True)
    monkeypatch.chdir(clone)
    assert main(["show", "SimpleSelectById"]) == ExitCode.OK
    assert TIMED in capsys.readouterr().out


def test_a_corrupt_asv_config_exits_2(tmp_path: Path) -> None:
    from afirgen_bench.core.errors import HarnessError
    from afirgen_bench.judge import pr_config

    (tmp_path / "asv.conf.json").write_text('{"version": 1,')
    with pytest.raises(HarnessError, match=r"asv\.conf\.json"):
        pr_config(tmp_path)


def test_the_drift_between_runs_is_measured_from_identical_backend_code(repo: Path) -> None:
    """Both commits hold the same backend (only change.txt differs); measured in two runs
    1.6x apart, that shift is the machine's drift, and compare then judges across runs
    only beyond it."""
    _write(repo, "HEAD~1", _samples(0.005, 1), run_started=0.0)
    _write(repo, "HEAD", _samples(0.008, 2), run_started=7200.0)
    (repo / "afirgen_fixtures").mkdir()
    assert main(["calibrate", "--drift"]) == ExitCode.CANNOT_JUDGE  # no backend in git yet
    _git(repo, "checkout", "-q", "HEAD~1")
    (repo / "afirgen_fixtures" / "x.py").write_text("same\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "backend")
    base = _git(repo, "rev-parse", "HEAD")
    (repo / "change.txt").write_text("other")
    _git(repo, "commit", "-qam", "not the backend")
    _git(repo, "branch", "-f", "main")
    _git(repo, "checkout", "-q", "main")
    for rev, median, started in ((base, 0.005, 0.0), ("HEAD", 0.008, 7200.0)):
        _write(repo, rev, _samples(median, 3), run_started=started)
    for stale in (repo / "results" / MACHINE).glob("*.json"):
        if stale.name[:8] not in {base[:8], _git(repo, "rev-parse", "HEAD")[:8]}:
            stale.unlink()
    assert main(["calibrate", "--drift"]) == ExitCode.OK
    drift = json.loads(_calibration_path(repo).read_text())["drift"]
    assert drift["pairs"] == 1
    assert math.expm1(drift["largest"]) == pytest.approx(0.6, abs=0.08)
    assert main(["compare", base, "HEAD", "--reports", str(repo / "reports")]) == ExitCode.OK
    assert _change(repo, TIMED)["verdict"] == "uncertain"  # within the drift: reported only
