"""A backfill in two shards, run here as GitHub would run it: two separate processes,
each with its own private servers (state dir) and runner name, then merged. The merged
counted figures must equal a single-machine run of the same commits, and the shards' servers
must be gone afterwards.

The shards count one operation (``Generation.extract_facts`` at 10k) at the two newest
backend commits, so the test stays a few minutes long; the full backfill's times are in
docs/ci.md. Most of a fresh runner's time is loading the data set its operation reads (the
cost suite loads only the selected operations' scales), so each shard loads its own, as a
fresh runner does, and the single run is the machine that ran shard 0: its servers start
again on that shard's state dir and reuse the data set there, as a machine keeps its state
dir from one run to the next."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from afirgen_bench.core.change import exact_tolerance
from afirgen_bench.core.shards import ShardManifest, counted_conflicts
from afirgen_bench.git import backend_commits
from afirgen_bench.results_folder import ResultsFolder
from afirgen_bench.workspace import Workspace
from afirgen_fixtures.services import ServiceRuntime
from afirgen_fixtures.services._process import is_alive

ROOT = Path(__file__).resolve().parents[2]
MACHINE = "backfill-test-runner"
BENCH = r"^cost\.Generation\.track_"
OPERATION = "Generation.extract_facts(10000)"
SHARDS = 2


def _bench(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "afirgen_bench", *args],
        cwd=repo,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, (
        f"{' '.join(args)} exited {done.returncode}:\n{done.stderr[-3000:]}"
    )
    return done.stdout


@pytest.fixture(scope="module", autouse=True)
def keep_machine_file() -> Iterator[None]:
    """The shards register their runner in asv's machine file (``~/.asv-machine.json``), as
    a fresh CI runner would; the user's file is put back afterwards, or ``make bench`` would
    then find two machines there and could not pick one."""
    path = Path.home() / ".asv-machine.json"
    saved = path.read_bytes() if path.exists() else None
    yield
    if saved is None:
        path.unlink(missing_ok=True)
    else:
        path.write_bytes(saved)


@pytest.fixture(scope="module")
def backfill(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    work = tmp_path_factory.mktemp("backfill")
    repo = work / "repo"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(repo)], check=True)
    # one asv environment per backend requirement set, shared with the checkout's own runs
    (ROOT / ".asv" / "env").mkdir(parents=True, exist_ok=True)
    (repo / ".asv").mkdir()
    (repo / ".asv" / "env").symlink_to(ROOT / ".asv" / "env")
    history = backend_commits(repo)
    commits = history[-SHARDS:]
    span = f"{history[-SHARDS - 1]}..{commits[-1]}"
    for name, count in (("plan-n.json", SHARDS), ("plan-1.json", 1)):
        _bench(
            repo,
            "backfill",
            "plan",
            "--machine",
            MACHINE,
            "--shards",
            str(count),
            "--range",
            span,
            "--bench",
            BENCH,
            "--plan",
            str(work / name),
        )
    measuring = {
        "AFIRGEN_BENCH_COST_ONLY": f"^{re.escape(OPERATION)}$",
        "AFIRGEN_BENCH_SCALES": "10000",
    }
    # each shard on servers of its own, loaded afresh; the single run, last, on shard 0's
    runs = [(f"shard-{i}", "plan-n.json", i, work / f"state-{i}") for i in range(SHARDS)]
    runs.append(("single", "plan-1.json", 0, work / "state-0"))
    for out, plan, index, state in runs:
        _bench(
            repo,
            "backfill",
            "shard",
            "--plan",
            str(work / plan),
            "--index",
            str(index),
            "--output",
            str(work / out),
            env={**measuring, "AFIRGEN_STATE_DIR": str(state), "RUNNER_NAME": f"runner-{out}"},
        )
    states = sorted({state for *_, state in runs})
    merged = _bench(
        repo,
        "backfill",
        "merge",
        "--plan",
        str(work / "plan-n.json"),
        *(str(work / f"shard-{i}") for i in range(SHARDS)),
    )
    # the single run's history, in a checkout of its own, published beside the merged one
    alone = work / "alone"
    subprocess.run(["git", "clone", "--quiet", str(repo), str(alone)], check=True)
    (alone / ".asv").mkdir()
    (alone / ".asv" / "env").symlink_to(ROOT / ".asv" / "env")
    _bench(alone, "backfill", "merge", "--plan", str(work / "plan-1.json"), str(work / "single"))
    for checkout in (repo, alone):
        _bench(checkout, "publish", "--machine", MACHINE)
    return {
        "work": work,
        "repo": repo,
        "alone": alone,
        "commits": commits,
        "states": states,
        "merged": merged,
    }


def _graphs(checkout: Path) -> dict[str, list]:
    """The published site's graphs of the test runner, by benchmark file name."""
    found = checkout.glob(f"html/graphs/**/machine-{MACHINE}/**/cost.*.json")
    return {path.name: json.loads(path.read_text()) for path in found}


def _tolerances(backfill: dict) -> dict[str, float]:
    """Each counted benchmark's tolerance, the one the merge and the gate judge it with:
    the largest over its parameter combinations and the commits."""
    history = Workspace.at(backfill["repo"], MACHINE)
    rules = history.rules
    tolerances: dict[str, float] = {}
    for commit in backfill["commits"]:
        for m in history.results.load(commit).measurements.values():
            tolerance = exact_tolerance(rules.gate, m, rules.calibration)
            if tolerance is not None:
                name = f"{m.benchmark}.json"
                tolerances[name] = max(tolerance, tolerances.get(name, 0.0))
    return tolerances


def test_the_merged_history_publishes_the_single_runs_counted_graphs(backfill: dict) -> None:
    merged, alone = _graphs(backfill["repo"]), _graphs(backfill["alone"])
    tolerances = _tolerances(backfill)
    assert merged and merged.keys() == alone.keys()
    for name, points in merged.items():
        assert [x for x, _ in points] == [x for x, _ in alone[name]], name
        # instruction counts move between layouts (within [exact]'s tolerance); others are exact
        tolerance = tolerances.get(name, 0.0)
        for (_, ours), (_, theirs) in zip(points, alone[name], strict=True):
            for a, b in zip(ours, theirs, strict=True):
                assert (a is None) == (b is None), name
                assert a is None or abs(a - b) <= tolerance * abs(b), (name, a, b, tolerance)


def test_the_merged_counted_figures_equal_a_single_machine_run(backfill: dict) -> None:
    history = Workspace.at(backfill["repo"], MACHINE)
    alone = ResultsFolder(backfill["work"] / "single" / "results", MACHINE)
    rules = history.rules
    for commit in backfill["commits"]:
        merged, single = history.results.load(commit), alone.load(commit)
        counted = {k: m for k, m in merged.measurements.items() if OPERATION in k and m.value}
        assert any("track_instructions" in k for k in counted), f"{commit[:8]}: nothing counted"
        assert counted_conflicts(merged, single, rules.gate, rules.calibration) == []


def test_every_shard_ran_on_its_own_runner_and_left_no_server(backfill: dict) -> None:
    work = backfill["work"]
    assert (backfill["repo"] / "results" / MACHINE / "machine.json").exists()  # asv publishes it
    manifests = [
        ShardManifest.model_validate(
            json.loads((work / f"shard-{i}" / "manifest.json").read_text())
        )
        for i in range(SHARDS)
    ]
    assert sorted(c for m in manifests for c in m.measured) == sorted(backfill["commits"])
    assert {m.host["runner"] for m in manifests} == {f"runner-shard-{i}" for i in range(SHARDS)}
    for state in backfill["states"]:
        assert not [p for p in ServiceRuntime(state).pids().values() if is_alive(p)], state
