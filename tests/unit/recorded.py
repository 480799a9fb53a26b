"""Recorded results for the judge's tests: a scratch repository with two real commits, the
project's ``gate.toml`` and ``sla.toml``, asv's index of the whole suite, and result files
written for either commit the ways asv, users and CI produce them. Samples are synthetic and
seeded; the machine's noise calibration says the timed benchmark is steady (0.5 %) unless a
test says otherwise."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from asv_files import RESULT_COLUMNS

from afirgen_bench.cli import main
from afirgen_bench.core.config import Calibration, Noise

ROOT = Path(__file__).resolve().parents[2]
MACHINE = "test-machine"
VERSION = "2026.11.29 rounds=4 repeat=50 number=1"
TIMED = "database.SimpleSelectById.time_select_by_id"  # SLA: p95 50 ms, p99 100 ms
HIT_RATE = "cache.HitRate.track_hit_rate"  # higher is better, exact (gate.toml)
ERRORS = "load.LoadTest.track_error_rate"  # judged by absolute change (gate.toml)


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def make_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with two commits, the project's gate and SLA files, and a results dir
    whose index is the suite's own (``results/benchmarks.json``), with the three benchmarks
    the tests write declared without parameters."""
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in ("gate.toml", "sla.toml"):
        shutil.copy(ROOT / name, repo / name)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "t@example.com")
    git(repo, "config", "user.name", "t")
    for message in ("base", "head"):
        (repo / "change.txt").write_text(message)
        git(repo, "add", ".")
        git(repo, "commit", "-q", "-m", message)
    results = repo / "results"
    (results / MACHINE).mkdir(parents=True)
    index = json.loads((ROOT / "results" / "benchmarks.json").read_text())
    index.update(
        {
            TIMED: {"type": "time", "unit": "seconds", "param_names": [], "params": []},
            HIT_RATE: {"type": "track", "unit": "%", "param_names": [], "params": []},
            ERRORS: {"type": "track", "unit": "%", "param_names": [], "params": []},
        }
    )
    (results / "benchmarks.json").write_text(json.dumps(index))
    calibrate_noise(repo, sigma=0.005)
    monkeypatch.setenv("AFIRGEN_BENCH_MACHINE", MACHINE)
    monkeypatch.chdir(repo)
    return repo


def calibration_path(repo: Path) -> Path:
    return repo / "calibration" / f"{MACHINE}.json"


def calibrate_noise(repo: Path, sigma: float) -> None:
    path = calibration_path(repo)
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


def sampled(median_s: float, seed: int, n: int = 200) -> list[float]:
    rng = np.random.default_rng(seed)
    return list(median_s * (1 + 0.02 * rng.standard_normal(n)))


def write_results(
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
    commit = git(repo, "rev-parse", rev)
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


def edit_file(path: Path, change: Callable[[dict], None]) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def compare_cli(repo: Path) -> int:
    return main(["compare", "HEAD~1", "HEAD", "--reports", str(repo / "reports")])


def report_of(repo: Path) -> dict:
    return json.loads((repo / "reports" / "report.json").read_text())


def change_of(repo: Path, benchmark: str) -> dict:
    return next(c for c in report_of(repo)["changes"] if c["benchmark"] == benchmark)


def named_everywhere(repo: Path, benchmark: str) -> bool:
    reports = repo / "reports"
    return all(
        benchmark in (reports / name).read_text()
        for name in ("summary.txt", "detailed.txt", "report.json", "comment.md")
    )


def one_clean_line(err: str) -> bool:
    return "Traceback" not in err and len(err.strip().splitlines()) == 1
