"""Pure pieces of the harness: per-call statistics, interleaving, commit selection."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from afirgen_bench.cli import main
from afirgen_bench.core.errors import ExitCode
from afirgen_bench.git import backend_commits
from afirgen_bench.judge import pr_config
from afirgen_bench.sampling import Summary, interleaved


def test_summary_percentiles_come_from_the_samples() -> None:
    summary = Summary.of("op", list(range(1_000, 101_000, 1_000)))  # 1..100 us
    assert summary.calls == 100
    assert summary.p50_us == pytest.approx(50.5)
    assert summary.p95_us == pytest.approx(95.05)
    assert summary.p99_us == pytest.approx(99.01)


def test_interleaving_calls_every_operation_with_each_index_once() -> None:
    seen: dict[str, list[int]] = {"a": [], "b": []}
    result = interleaved(
        {"a": seen["a"].append, "b": seen["b"].append}, calls=10, block=3, warmup=0
    )
    assert seen["a"] == list(range(10)) and seen["b"] == list(range(10))
    assert result["a"].calls == result["b"].calls == 10


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def test_only_commits_that_change_the_backend_are_selected(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "afirgen_fixtures").mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "t@example.com")
    _git(repo, "config", "user.name", "t")
    changes = {"afirgen_fixtures/a.py": True, "README.md": False, "afirgen_fixtures/b.py": True}
    expected = []
    for path, is_backend in changes.items():
        (repo / path).write_text(path)
        _git(repo, "add", path)
        _git(repo, "commit", "-q", "-m", path)
        if is_backend:
            head = subprocess.run(
                ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
            ).stdout.strip()
            expected.append(head)
    assert backend_commits(repo) == expected


def test_outside_a_checkout_the_harness_says_so(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["publish"]) == ExitCode.CANNOT_JUDGE
    assert "git checkout" in capsys.readouterr().err


def test_pr_config_points_back_at_the_repository_from_any_depth(tmp_path: Path) -> None:
    shutil.copy(Path(__file__).resolve().parents[2] / "asv.conf.json", tmp_path / "asv.conf.json")
    config, results = pr_config(tmp_path, "calibrate/run-1")
    data = json.loads(config.read_text())
    folder = config.parent
    assert (folder / data["repo"]).resolve() == tmp_path.resolve()
    assert (folder / data["env_dir"]).resolve() == (tmp_path / ".asv" / "env").resolve()
    assert results == folder / "results"
