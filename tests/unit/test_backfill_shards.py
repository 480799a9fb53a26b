"""A backfill in shards: the plan deals every commit to one shard; the merge files nothing
until the shards are what the plan asked for (a corrupt, missing, foreign or duplicated shard
is exit 2 with one line), and a commit counted twice with different figures is named, never
averaged."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from afirgen_bench.cli import main
from afirgen_bench.core.errors import HarnessError
from afirgen_bench.core.shards import ShardManifest, ShardPlan, check_shards, plan_shards
from afirgen_bench.workspace import Workspace
from tests.unit.recorded import (
    HIT_RATE,
    MACHINE,
    git,
    make_repo,
    one_clean_line,
    sampled,
    write_results,
)


def shas(n: int) -> list[str]:
    return [f"{i:040x}" for i in range(1, n + 1)]


@pytest.mark.parametrize(("commits", "count"), [(29, 3), (29, 10), (29, 29), (5, 8), (1, 1)])
def test_every_commit_lands_in_exactly_one_shard_and_shards_are_balanced(
    commits: int, count: int
) -> None:
    planned = plan_shards(shas(commits), count)
    assert sorted(c for shard in planned for c in shard) == sorted(shas(commits))
    assert len(planned) == min(count, commits)
    assert max(map(len, planned)) - min(map(len, planned)) <= 1
    assert all(planned)


def test_a_plan_refuses_a_commit_in_two_shards() -> None:
    with pytest.raises(ValueError, match="two shards"):
        ShardPlan(machine=MACHINE, harness="a" * 40, shards=[shas(2), shas(1)])


def manifest(plan: ShardPlan, index: int, **kw) -> ShardManifest:
    values = {
        "plan": plan.digest,
        "index": index,
        "machine": plan.machine,
        "harness": plan.harness,
        "suite": "s",
        "duet_design": "d",
        "commits": plan.shards[index],
        "measured": plan.shards[index],
        "failed": [],
        "host": {"cpus": "2"},
        "started_at": "t0",
        "finished_at": "t1",
    }
    return ShardManifest(**{**values, **kw})


def test_the_check_names_a_missing_a_duplicated_a_foreign_and_a_short_shard() -> None:
    plan = ShardPlan(machine=MACHINE, harness="a" * 40, shards=plan_shards(shas(7), 4))
    other = ShardPlan(machine=MACHINE, harness="b" * 40, shards=plan.shards)
    check = check_shards(
        plan,
        [
            ("s0", manifest(plan, 0)),
            ("s0-again", manifest(plan, 0)),
            ("s1", manifest(plan, 1, measured=plan.shards[1][:1])),
            ("s2-other-plan", manifest(other, 2)),
        ],
    )
    assert check.missing == [2, 3]
    assert check.duplicated == [0]
    assert check.incomplete == {1: plan.shards[1][1:]}
    assert len(check.foreign) == 1 and "another plan" in check.foreign[0]
    assert not check.complete
    assert check_shards(plan, [(f"s{i}", manifest(plan, i)) for i in range(4)]).complete


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return make_repo(tmp_path, monkeypatch)


def write_shards(repo: Path, hit_rates: dict[str, float]) -> tuple[Path, list[Path]]:
    """Two shards of the repo's two commits, one each, with the plan; the results leave
    ``results/`` for the shards' folders."""
    commits = [git(repo, "rev-parse", rev) for rev in ("HEAD~1", "HEAD")]
    plan = ShardPlan(machine=MACHINE, harness=commits[-1], shards=plan_shards(commits, 2))
    plan_path = repo / "plan.json"
    plan_path.write_text(plan.model_dump_json())
    folders = []
    for index, shard in enumerate(plan.shards):
        folder = repo / "shards" / f"shard-{index}"
        (folder / "results" / MACHINE).mkdir(parents=True)
        (folder / "results" / MACHINE / "machine.json").write_text(
            json.dumps({"machine": MACHINE, "version": 1})
        )
        shutil.copy(repo / "results" / "benchmarks.json", folder / "results" / "benchmarks.json")
        rev = shard[0]
        made = write_results(repo, rev, sampled(1e-3, seed=index), hit_rate=hit_rates[rev])
        made.rename(folder / "results" / MACHINE / made.name)
        (folder / "manifest.json").write_text(manifest(plan, index).model_dump_json())
        folders.append(folder)
    return plan_path, folders


def merge(plan: Path, folders: list[Path], *extra: str) -> int:
    return main(["backfill", "merge", "--plan", str(plan), *map(str, folders), *extra])


def filed(repo: Path) -> list[str]:
    return sorted(p.name for p in (repo / "results" / MACHINE).glob("*-env*.json"))


def test_complete_shards_are_filed_into_the_history(repo: Path) -> None:
    commits = [git(repo, "rev-parse", rev) for rev in ("HEAD~1", "HEAD")]
    plan, folders = write_shards(repo, dict.fromkeys(commits, 80.0))
    assert merge(plan, folders) == 0
    assert filed(repo) == sorted(f"{c[:8]}-env.json" for c in commits)
    assert (repo / "results" / MACHINE / "machine.json").exists()  # asv publishes beside it
    assert merge(plan, folders) == 0  # merging again changes nothing
    assert main(["compare", "HEAD~1", "HEAD", "--reports", str(repo / "reports")]) in (0, 1)


@pytest.mark.parametrize("damage", ["missing", "corrupt", "duplicated", "no manifest"])
def test_a_broken_shard_stops_the_merge_with_one_line(
    repo: Path, damage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    commits = [git(repo, "rev-parse", rev) for rev in ("HEAD~1", "HEAD")]
    plan, folders = write_shards(repo, dict.fromkeys(commits, 80.0))
    if damage == "missing":
        folders = folders[:1]
    elif damage == "corrupt":
        manifest_file = folders[1] / "manifest.json"
        manifest_file.write_text(manifest_file.read_text()[:40])
    elif damage == "duplicated":
        copy = folders[0].with_name("shard-0-again")
        shutil.copytree(folders[0], copy)
        folders.append(copy)
    else:
        (folders[1] / "manifest.json").unlink()
    capsys.readouterr()
    assert merge(plan, folders) == 2
    assert one_clean_line(capsys.readouterr().err)
    assert filed(repo) == []


def test_a_partial_history_is_filed_only_when_asked(repo: Path) -> None:
    commits = [git(repo, "rev-parse", rev) for rev in ("HEAD~1", "HEAD")]
    plan, folders = write_shards(repo, dict.fromkeys(commits, 80.0))
    assert merge(plan, folders[:1], "--accept-partial") == 0
    assert filed(repo) == [f"{commits[0][:8]}-env.json"]
    assert merge(plan, folders) == 0  # the shard run again completes it


def test_a_commit_counted_twice_with_different_figures_is_named(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    commits = [git(repo, "rev-parse", rev) for rev in ("HEAD~1", "HEAD")]
    plan, folders = write_shards(repo, {commits[0]: 80.0, commits[1]: 60.0})
    write_results(repo, "HEAD", sampled(1e-3, seed=9), hit_rate=80.0)  # already in the history
    capsys.readouterr()
    assert merge(plan, folders) == 2
    err = capsys.readouterr().err
    assert one_clean_line(err) and HIT_RATE in err and "determinism" in err


def test_shards_that_ran_different_suites_are_refused() -> None:
    plan = ShardPlan(machine=MACHINE, harness="a" * 40, shards=plan_shards(shas(4), 2))
    check = check_shards(
        plan, [("s0", manifest(plan, 0)), ("s1", manifest(plan, 1, suite="another"))]
    )
    assert not check.complete and "different suites" in check.foreign[0]


def test_a_backfill_takes_its_largest_shard_and_every_shard_pays_its_set_up() -> None:
    from afirgen_bench.core.shards import BackfillCost

    cost = BackfillCost(suite_s=600, duet_s=900, overhead_s=800)
    assert cost.wall_s(29, 1) == 800 + 29 * 1500
    assert cost.wall_s(29, 3) == 800 + 10 * 1500  # 10, 10 and 9 commits
    assert cost.wall_s(29, 50) == cost.wall_s(29, 29) == 800 + 1500  # no empty shard
    assert cost.runner_s(29, 3) == 3 * 800 + 29 * 1500
    with pytest.raises(ValueError):
        cost.wall_s(0, 3)


def test_the_estimate_reads_stored_suite_and_duet_times(tmp_path: Path) -> None:
    import json

    from afirgen_bench.backfill import measured_cost

    folder = tmp_path / "results" / "m"
    folder.mkdir(parents=True)
    for name, durations in (("a", [10.0, 20.0]), ("b", [30.0, 50.0]), ("c", [1.0])):
        results = {f"x.time_{i}": [1.0, None, d] for i, d in enumerate(durations)}
        (folder / f"{name}0000000-env-1.json").write_text(
            json.dumps(
                {
                    "result_columns": ["result", "params", "duration"],
                    "results": results,
                    "durations": {"<build>": 5.0},
                }
            )
        )
    from afirgen_bench.backfill import _suite_seconds

    assert _suite_seconds(folder / "a0000000-env-1.json") == (2, 35.0)
    assert _suite_seconds(folder / "c0000000-env-1.json") == (1, 6.0)
    with pytest.raises(HarnessError, match="no duet of the current design"):
        measured_cost(Workspace.at(tmp_path, "m"))


def test_the_plan_keeps_the_benchmarks_every_shard_runs(repo: Path) -> None:
    from afirgen_bench.backfill import load_plan, write_plan

    commits = [git(repo, "rev-parse", rev) for rev in ("HEAD~1", "HEAD")]
    out = repo / "plan.json"
    write_plan(repo, machine=MACHINE, commits=commits, shards=2, out=out, bench=r"^cost\.")
    assert load_plan(out).bench == r"^cost\."
