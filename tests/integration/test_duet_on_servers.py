"""Duets on the real servers: two commits' workers take their samples pair by pair; a
slowdown in a function no benchmark names is caught on the pairs, an A/A duet is not, a
benchmark that cannot run is named, and no worker outlives the duet."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from afirgen_bench.core.change import Change
from afirgen_bench.core.config import parse_gate
from afirgen_bench.core.duet import Schedule, judge_pairs, paired_shift
from afirgen_bench.core.models import Kind, Measurement, Verdict
from afirgen_bench.duet import Target, run_duet
from afirgen_bench.workspace import Workspace
from afirgen_fixtures.services import ServiceURLs

ROOT = Path(__file__).resolve().parents[2]
GET_HIT = "cache.CacheOperations.time_get_hit"
MANAGER = "afirgen_fixtures/cache/manager.py"


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True)
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The backend and the suite, committed; then a commit whose cache read sleeps 0.5 ms."""
    repo = tmp_path / "repo"
    for folder in ("afirgen_fixtures", "benchmarks"):
        shutil.copytree(ROOT / folder, repo / folder, ignore=shutil.ignore_patterns("__pycache__"))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "t@example.com")
    git(repo, "config", "user.name", "t")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    manager = repo / MANAGER
    lines = manager.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.lstrip().startswith("def get("))
    while not lines[at].rstrip().endswith(":"):
        at += 1
    lines.insert(at + 1, '        __import__("time").sleep(0.0005)\n')
    manager.write_text("".join(lines))
    git(repo, "commit", "-q", "-am", "slower cache reads")
    return repo


@pytest.fixture
def servers(service_urls: ServiceURLs, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in service_urls.environ().items():
        monkeypatch.setenv(name, value)


def target(name: str = GET_HIT) -> Target:
    return Target(
        name=name,
        params=(),
        unit="seconds",
        version="v",
        number=1,
        timeout=120.0,
    )


def duet(repo: Path, base: str, head: str, targets: list[Target]):
    return run_duet(
        Workspace.at(repo, "test-machine"),
        git(repo, "rev-parse", base),
        git(repo, "rev-parse", head),
        targets,
        schedule=Schedule.ALTERNATE,
        rounds=2,
        progress=lambda _: None,
        python=Path(sys.executable),
    )


def workers_left(repo: Path) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "duet_worker.py" in text and str(repo) in text:
            found.append(text)
    return found


def verdict_of(figure) -> Verdict:
    m = Measurement(GET_HIT, (), Kind.TIME, "seconds", 1e-4, False, (1e-4,), "v")
    change = Change(GET_HIT, GET_HIT, Verdict.UNCHANGED, m, m)
    gate = parse_gate((ROOT / "gate.toml").read_text(), "gate.toml")
    return judge_pairs(change, figure, gate, None, "d").verdict


def test_a_slower_cache_read_is_caught_on_the_pairs(repo: Path, servers: None) -> None:
    record = duet(repo, "HEAD~1", "HEAD", [target()])
    figure = record.figures[GET_HIT]
    assert figure.problem is None
    assert len(figure.pairs) >= 2 * 3
    assert set(figure.rounds) == {0, 1}
    shift, _ = paired_shift(figure)
    assert shift.ratio > 2  # ~60 us reads, 0.5 ms more each
    assert verdict_of(figure) is Verdict.REGRESSION
    assert not workers_left(repo)


def test_the_same_commit_twice_is_not_flagged(repo: Path, servers: None) -> None:
    record = duet(repo, "HEAD~1", "HEAD~1", [target()])
    figure = record.figures[GET_HIT]
    shift, _ = paired_shift(figure)
    assert 0.8 < shift.ratio < 1.25  # the A/A false-alarm rate is the proof's to measure


def test_a_benchmark_that_cannot_run_is_named(repo: Path, servers: None) -> None:
    record = duet(repo, "HEAD~1", "HEAD", [target("cache.CacheOperations.time_nothing"), target()])
    broken = record.figures["cache.CacheOperations.time_nothing"]
    assert broken.problem and not broken.pairs
    assert record.figures[GET_HIT].problem is None  # the next one ran on fresh workers
    assert not workers_left(repo)


def test_an_interrupted_duet_leaves_no_worker(repo: Path, servers: None) -> None:
    """SIGTERM (a CI timeout, a cancelled job) while the workers take pairs: the command
    exits 2 with one line, and every worker is gone."""
    import os
    import signal
    import time

    for name in ("gate.toml", "sla.toml", "results/benchmarks.json"):
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, repo / name)
    env = {**os.environ, "AFIRGEN_BENCH_DUET_PYTHON": sys.executable}
    env["AFIRGEN_BENCH_MACHINE"] = "test-machine"
    command = [sys.executable, "-m", "afirgen_bench", "duet", "HEAD~1", "HEAD"]
    process = subprocess.Popen(
        [*command, "--bench", "CacheOperations", "--rounds", "50"],
        cwd=repo,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while len(workers_left(repo)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(workers_left(repo)) == 2, "the duet's workers never started"
    time.sleep(1.0)  # into the pairs
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert err.strip().splitlines()[-1] == "error: interrupted"
    assert not workers_left(repo)
