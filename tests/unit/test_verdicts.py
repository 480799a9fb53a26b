"""The judge on recorded results, through the command line as users and CI run it: what is
a regression, an improvement, an SLA breach, and everything the harness cannot judge
(results are written by ``recorded``)."""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from recorded import (
    ERRORS,
    HIT_RATE,
    MACHINE,
    TIMED,
    calibrate_noise,
    calibration_path,
    change_of,
    compare_cli,
    edit_file,
    git,
    make_repo,
    named_everywhere,
    one_clean_line,
    report_of,
    sampled,
    write_results,
)

from afirgen_bench.cli import main
from afirgen_bench.core.errors import ExitCode


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return make_repo(tmp_path, monkeypatch)


# -- verdicts ----------------------------------------------------------------------------


def test_ten_percent_slowdown_is_a_regression(repo: Path) -> None:
    write_results(repo, "HEAD~1", sampled(0.005, 1))
    write_results(repo, "HEAD", sampled(0.0055, 2))
    assert compare_cli(repo) == ExitCode.VERDICT_FAILED
    assert change_of(repo, TIMED)["verdict"] == "regression"
    assert "FAILED: 1 regression" in (repo / "reports" / "comment.md").read_text()


def test_machine_drift_between_runs_is_not_a_regression(repo: Path) -> None:
    """Results of two runs hours apart: 1.6x slower everywhere, as the machine drifted
    (seen here: 1.1-1.9x in a day). Without a measured drift, the wall time is not judged."""
    write_results(repo, "HEAD~1", sampled(0.005, 1), run_started=0.0)
    write_results(repo, "HEAD", sampled(0.008, 2), run_started=7200.0)
    assert compare_cli(repo) == ExitCode.OK
    assert change_of(repo, TIMED)["verdict"] == "not judged across runs"
    assert "come from different runs" in (repo / "reports" / "summary.txt").read_text()


def test_a_result_file_rewritten_after_its_run_counts_as_another_run(repo: Path) -> None:
    """Both host records say one run, but the head's results were measured later (asv run
    by hand): its span lies outside the recorded run, so it is judged across runs."""
    write_results(repo, "HEAD~1", sampled(0.005, 1), run_started=0.0)
    path = write_results(repo, "HEAD", sampled(0.008, 2), run_started=0.0)
    edit_file(path, lambda data: data["results"][TIMED].__setitem__(3, 5_000_000))
    assert compare_cli(repo) == ExitCode.OK
    assert change_of(repo, TIMED)["verdict"] == "not judged across runs"


def test_unchanged_commit_is_clean(repo: Path) -> None:
    write_results(repo, "HEAD~1", sampled(0.005, 1))
    write_results(repo, "HEAD", sampled(0.005, 2))
    assert compare_cli(repo) == ExitCode.OK
    assert change_of(repo, TIMED)["verdict"] == "unchanged"


def test_three_percent_change_is_not_flagged(repo: Path) -> None:
    write_results(repo, "HEAD~1", sampled(0.005, 1))
    write_results(repo, "HEAD", sampled(0.00515, 2))
    assert compare_cli(repo) == ExitCode.OK
    assert change_of(repo, TIMED)["verdict"] == "unchanged"


def test_hit_rate_going_up_is_an_improvement_and_down_a_regression(repo: Path) -> None:
    write_results(repo, "HEAD~1", sampled(0.005, 1), hit_rate=70.0)
    write_results(repo, "HEAD", sampled(0.005, 2), hit_rate=84.0)
    assert compare_cli(repo) == ExitCode.OK
    assert change_of(repo, HIT_RATE)["verdict"] == "improvement"
    write_results(repo, "HEAD~1", sampled(0.005, 1), hit_rate=84.0)
    write_results(repo, "HEAD", sampled(0.005, 2), hit_rate=70.0)
    assert compare_cli(repo) == ExitCode.VERDICT_FAILED
    assert change_of(repo, HIT_RATE)["verdict"] == "regression"


def test_a_noisy_benchmark_promises_its_mde_and_its_small_change_is_uncertain(repo) -> None:
    calibrate_noise(repo, sigma=0.04)  # detects only ~20 %
    write_results(repo, "HEAD~1", sampled(0.005, 1))
    write_results(repo, "HEAD", sampled(0.0054, 2))
    assert compare_cli(repo) == ExitCode.OK
    change = change_of(repo, TIMED)
    assert change["verdict"] == "uncertain" and change["advisory"] is True
    assert change["limit"] == pytest.approx(0.2045, abs=0.001)
    assert "limit 20.5%" in (repo / "reports" / "summary.txt").read_text()


@pytest.mark.parametrize("slower", [1.5, 10.0])
def test_a_noisy_benchmark_fails_beyond_its_limit(repo: Path, slower: float) -> None:
    calibrate_noise(repo, sigma=0.04)
    write_results(repo, "HEAD~1", sampled(0.005, 1))
    write_results(repo, "HEAD", sampled(0.005 * slower, 2))
    assert compare_cli(repo) == ExitCode.VERDICT_FAILED
    assert change_of(repo, TIMED)["verdict"] == "regression"


def test_without_calibration_the_bare_threshold_decides_and_the_report_says_so(repo) -> None:
    calibration_path(repo).unlink()
    write_results(repo, "HEAD~1", sampled(0.005, 1))
    write_results(repo, "HEAD", sampled(0.0055, 2))
    assert compare_cli(repo) == ExitCode.VERDICT_FAILED
    change = change_of(repo, TIMED)
    assert change["noise_source"] == "uncalibrated" and change["limit"] == 0.05
    assert "no calibration for test-machine" in (repo / "reports" / "summary.txt").read_text()


def test_error_rate_from_zero_is_judged_by_its_absolute_limit(repo: Path) -> None:
    write_results(repo, "HEAD~1", sampled(0.005, 1), errors=0.0)
    write_results(repo, "HEAD", sampled(0.005, 2), errors=40.0)
    assert compare_cli(repo) == ExitCode.VERDICT_FAILED
    assert change_of(repo, ERRORS)["verdict"] == "regression"
    write_results(repo, "HEAD", sampled(0.005, 2), errors=0.5)  # within 1 percentage point
    compare_cli(repo)  # (the SLA allows no errors at all: that fails on its own)
    assert change_of(repo, ERRORS)["verdict"] == "unchanged"


def test_a_zero_baseline_without_an_absolute_limit_cannot_pass(repo: Path) -> None:
    write_results(repo, "HEAD~1", sampled(0.005, 1), hit_rate=0.0)
    write_results(repo, "HEAD", sampled(0.005, 2), hit_rate=40.0)
    assert compare_cli(repo) == ExitCode.CANNOT_JUDGE
    assert change_of(repo, HIT_RATE)["verdict"] == "invalid"
    assert named_everywhere(repo, HIT_RATE)


def test_new_sla_breach_fails_and_names_the_limit(repo: Path, capsys) -> None:
    write_results(repo, "HEAD~1", sampled(0.004, 1))
    write_results(repo, "HEAD", sampled(0.0041, 2, n=180) + [0.06] * 20)  # a slow tail: P95 > 50 ms
    assert compare_cli(repo) == ExitCode.VERDICT_FAILED
    out = capsys.readouterr().out
    assert "new SLA breach" in out and "p95_ms" in out
    breach = next(s for s in report_of(repo)["sla"] if s["benchmark"] == TIMED)
    assert breach["status"] == "fail" and breach["new"] is True
    assert breach["breaches"][0]["limit"] == "p95_ms"


def test_sla_command_exits_1_on_a_breach(repo: Path, capsys) -> None:
    write_results(repo, "HEAD", sampled(0.080, 2))  # P95 far over 50 ms
    assert main(["sla", "HEAD"]) == ExitCode.VERDICT_FAILED
    assert "p95_ms" in capsys.readouterr().out


def test_a_percentile_needs_enough_samples_to_be_judged(repo: Path, capsys) -> None:
    one_round = "2026.11.29 rounds=1 repeat=61 number=1"
    write_results(repo, "HEAD", [*sampled(0.002, 2, n=60), 0.5], version=one_round)  # 1 slow of 61
    assert main(["sla", "HEAD"]) == ExitCode.VERDICT_FAILED  # the mean, not P99, breaks
    out = capsys.readouterr().out
    assert "p95_ms not judged: 61 samples, it needs 100" in out
    assert "p99_ms not judged: 61 samples, it needs 500" in out


def test_report_exits_with_the_verdict(repo: Path) -> None:
    write_results(repo, "HEAD~1", sampled(0.005, 1))
    write_results(repo, "HEAD", sampled(0.0055, 2))
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
    write_results(repo, "HEAD~1", sampled(0.005, 1))
    edit_file(write_results(repo, "HEAD", sampled(0.005, 2)), edit)
    assert compare_cli(repo) == ExitCode.CANNOT_JUDGE
    assert change_of(repo, TIMED)["verdict"] == verdict
    assert named_everywhere(repo, TIMED)


def test_skipped_at_both_commits_passes(repo: Path) -> None:
    edit_file(write_results(repo, "HEAD~1", sampled(0.005, 1)), _skip_at_head)
    edit_file(write_results(repo, "HEAD", sampled(0.005, 2)), _skip_at_head)
    assert compare_cli(repo) == ExitCode.OK
    assert change_of(repo, TIMED)["verdict"] == "skipped"


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
    write_results(repo, "HEAD~1", sampled(0.005, 1))
    edit_file(write_results(repo, "HEAD", sampled(0.005, 2)), edit)
    assert compare_cli(repo) == ExitCode.CANNOT_JUDGE
    err = capsys.readouterr().err
    assert message in err and one_clean_line(err)


def test_truncated_result_file_exits_2_with_a_clear_message(repo, capsys) -> None:
    write_results(repo, "HEAD~1", sampled(0.005, 1))
    path = write_results(repo, "HEAD", sampled(0.005, 2))
    path.write_text(path.read_text()[:200])
    assert compare_cli(repo) == ExitCode.CANNOT_JUDGE
    err = capsys.readouterr().err
    assert "corrupt or truncated" in err and one_clean_line(err)


def test_a_benchmark_index_entry_of_the_wrong_type_exits_2(repo, capsys) -> None:
    write_results(repo, "HEAD~1", sampled(0.005, 1))
    write_results(repo, "HEAD", sampled(0.005, 2))
    edit_file(repo / "results" / "benchmarks.json", lambda d: d.update({TIMED: ["time"]}))
    assert compare_cli(repo) == ExitCode.CANNOT_JUDGE
    err = capsys.readouterr().err
    assert "benchmarks.json" in err and one_clean_line(err)


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
    write_results(repo, "HEAD~1", sampled(0.005, 1))
    write_results(repo, "HEAD", sampled(0.005, 2))
    (repo / name).write_text(text)
    assert compare_cli(repo) == ExitCode.CANNOT_JUDGE
    err = capsys.readouterr().err
    assert name in err and message in err and one_clean_line(err)


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
    write_results(repo, "HEAD~1", sampled(0.005, 1))
    write_results(repo, "HEAD", sampled(0.005, 2))
    edit_file(calibration_path(repo), edit)
    assert compare_cli(repo) == ExitCode.CANNOT_JUDGE
    err = capsys.readouterr().err
    assert message in err and one_clean_line(err)


def test_an_unreadable_calibration_exits_2(repo, capsys) -> None:
    calibration_path(repo).write_text("{not json")
    write_results(repo, "HEAD~1", sampled(0.005, 1))
    write_results(repo, "HEAD", sampled(0.005, 2))
    assert compare_cli(repo) == ExitCode.CANNOT_JUDGE
    assert "calibrate" in capsys.readouterr().err


def test_a_reports_path_that_is_a_file_exits_2(repo, capsys) -> None:
    write_results(repo, "HEAD~1", sampled(0.005, 1))
    write_results(repo, "HEAD", sampled(0.005, 2))
    (repo / "taken").write_text("a file, not a folder")
    assert main(["compare", "HEAD~1", "HEAD", "--reports", str(repo / "taken")]) == 2
    err = capsys.readouterr().err
    assert "cannot write the reports" in err and one_clean_line(err)


def test_missing_results_and_bad_revisions_exit_2(repo: Path, capsys) -> None:
    write_results(repo, "HEAD", sampled(0.005, 2))
    assert compare_cli(repo) == ExitCode.CANNOT_JUDGE
    assert "no results for commit" in capsys.readouterr().err
    assert main(["compare", "no-such-rev", "HEAD"]) == ExitCode.CANNOT_JUDGE
    assert "not a commit" in capsys.readouterr().err


def test_an_unnamed_machine_exits_2_and_says_what_to_do(repo, capsys, monkeypatch) -> None:
    monkeypatch.delenv("AFIRGEN_BENCH_MACHINE")
    monkeypatch.setenv("HOME", str(repo))  # no ~/.asv-machine.json
    assert compare_cli(repo) == ExitCode.CANNOT_JUDGE
    assert "no benchmark machine is named" in capsys.readouterr().err


def test_the_machine_comes_from_asvs_machine_file(repo, monkeypatch) -> None:
    monkeypatch.delenv("AFIRGEN_BENCH_MACHINE")
    monkeypatch.setenv("HOME", str(repo))
    (repo / ".asv-machine.json").write_text(json.dumps({MACHINE: {"machine": MACHINE}}))
    write_results(repo, "HEAD~1", sampled(0.005, 1))
    write_results(repo, "HEAD", sampled(0.005, 2))
    assert compare_cli(repo) == ExitCode.OK


def test_show_works_in_a_clone_without_a_local_main(repo, tmp_path, monkeypatch, capsys) -> None:
    (repo / "afirgen_fixtures").mkdir()
    (repo / "afirgen_fixtures" / "x.py").write_text("x = 1\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "backend")
    write_results(repo, "HEAD", sampled(0.005, 2))
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--branch", "main", str(repo), str(clone))
    git(clone, "checkout", "-q", "--detach")
    git(clone, "branch", "-D", "main")
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
    write_results(repo, "HEAD~1", sampled(0.005, 1), run_started=0.0)
    write_results(repo, "HEAD", sampled(0.008, 2), run_started=7200.0)
    (repo / "afirgen_fixtures").mkdir()
    assert main(["calibrate", "drift"]) == ExitCode.CANNOT_JUDGE  # no backend in git yet
    git(repo, "checkout", "-q", "HEAD~1")
    (repo / "afirgen_fixtures" / "x.py").write_text("same\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "backend")
    base = git(repo, "rev-parse", "HEAD")
    (repo / "change.txt").write_text("other")
    git(repo, "commit", "-qam", "not the backend")
    git(repo, "branch", "-f", "main")
    git(repo, "checkout", "-q", "main")
    for rev, median, started in ((base, 0.005, 0.0), ("HEAD", 0.008, 7200.0)):
        write_results(repo, rev, sampled(median, 3), run_started=started)
    for stale in (repo / "results" / MACHINE).glob("*.json"):
        if stale.name[:8] not in {base[:8], git(repo, "rev-parse", "HEAD")[:8]}:
            stale.unlink()
    assert main(["calibrate", "drift"]) == ExitCode.OK
    drift = json.loads(calibration_path(repo).read_text())["drift"]
    assert drift["pairs"] == 1
    assert math.expm1(drift["largest"]) == pytest.approx(0.6, abs=0.08)
    assert main(["compare", base, "HEAD", "--reports", str(repo / "reports")]) == ExitCode.OK
    assert change_of(repo, TIMED)["verdict"] == "uncertain"  # within the drift: reported only
