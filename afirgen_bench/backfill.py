"""The history backfilled in shards (issue 24): ``plan`` splits the backend commits that have
no results among N runners, ``shard`` measures one share (asv results, each commit's duet
with its predecessor, host records, then a manifest), ``merge`` checks every shard against the
plan (``core/shards.py``) and only then files their results into ``results/``.

GitHub Actions runs the three as a matrix (``.github/workflows/backfill.yml``); here they are
plain commands, so a backfill can be run, and tested, on one machine.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import platform
import shutil
import statistics
from datetime import UTC, datetime
from pathlib import Path

from afirgen_bench.core.config import parse_json, validated
from afirgen_bench.core.duet import DuetRecord
from afirgen_bench.core.errors import ExitCode, HarnessError
from afirgen_bench.core.shards import (
    SHARD_OVERHEAD_S,
    BackfillCost,
    ShardManifest,
    ShardPlan,
    check_shards,
    counted_conflicts,
    plan_shards,
)
from afirgen_bench.duet import duet_design, duet_targets, run_duet
from afirgen_bench.duet_store import DUET_DIR, record_path, write_record
from afirgen_bench.git import backend_commits, git, resolve_commit
from afirgen_bench.inputs import read_input
from afirgen_bench.judge import pr_config
from afirgen_bench.results_folder import HOST_DIR, ResultsFolder
from afirgen_bench.runner import log, run_commits
from afirgen_bench.workspace import Workspace

MANIFEST = "manifest.json"
RESULTS = "results"
MACHINE_FILE = "machine.json"  # asv's description of the machine, beside its results


def commits_to_measure(workspace: Workspace, commit_range: str | None) -> list[str]:
    """Backend commits (oldest first) without results in the workspace; ``commit_range``
    (``A..B``, as git reads it) narrows them."""
    root = workspace.root
    commits = backend_commits(root)
    if commit_range:
        if ".." not in commit_range:
            raise HarnessError(f"--range {commit_range!r}: give it as A..B (after A, up to B)")
        start, end = commit_range.split("..", 1)
        wanted = set(
            git(
                root,
                "rev-list",
                "--first-parent",
                f"{resolve_commit(root, start)}..{resolve_commit(root, end)}",
            ).split()
        )
        commits = [c for c in commits if c in wanted]
    done = workspace.results.commits()
    return [c for c in commits if c[:8] not in done]


def write_plan(
    root: Path,
    *,
    machine: str,
    commits: list[str],
    shards: int,
    out: Path,
    bench: str | None = None,
) -> ShardPlan:
    """``commits`` dealt to ``shards`` shards, with this checkout as every shard's harness;
    ``bench`` (an asv -b regex) narrows what every shard runs."""
    plan = ShardPlan(
        machine=machine,
        harness=resolve_commit(root, "HEAD"),
        bench=bench,
        shards=plan_shards(commits, shards),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(plan.model_dump_json(indent=1) + "\n")
    return plan


def load_plan(path: Path) -> ShardPlan:
    text = read_input(path)
    if text is None:
        raise HarnessError(f"{path} does not exist: write it with backfill plan")
    plan: ShardPlan = validated(
        ShardPlan, parse_json(text, str(path), "write it again with backfill plan"), str(path)
    )
    return plan


def host_facts() -> dict[str, str]:
    """What a shard ran on: enough to tell two runners' wall times apart."""
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        model = next(
            (
                line.split(":", 1)[1].strip()
                for line in cpuinfo.read_text().splitlines()
                if line.startswith("model name")
            ),
            "",
        )
    return {
        "cpu": model or platform.processor() or "unknown",
        "cpus": str(os.cpu_count() or 0),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "node": platform.node(),
        # GitHub names each runner (RUNNER_NAME); a shard run by hand is its host
        "runner": os.environ.get("RUNNER_NAME") or platform.node(),
    }


def run_shard(root: Path, plan_path: Path, index: int, out: Path) -> ExitCode:
    """Measure shard ``index`` of the plan into ``out`` (asv results, duets, host records),
    then write its manifest: a shard without a manifest did not finish."""
    plan = load_plan(plan_path)
    if not 0 <= index < len(plan.shards):
        raise HarnessError(f"shard {index}: the plan has shards 0-{len(plan.shards) - 1}")
    here = resolve_commit(root, "HEAD")
    if here != plan.harness:
        raise HarnessError(
            f"the plan was made with harness {plan.harness[:8]}, this checkout is "
            f"{here[:8]}: check out the plan's commit"
        )
    commits = plan.shards[index]
    started = datetime.now(UTC)
    log(f"shard {index + 1}/{len(plan.shards)}: {len(commits)} commit(s) on {plan.machine}")
    config, results_dir = pr_config(root, f"backfill/shard-{index}")
    measured = Workspace.at(root, plan.machine, results_dir)
    failed = run_commits(measured, commits, bench=plan.bench, config=config)
    index_file = results_dir / "benchmarks.json"
    # the suite as asv indexed it (every benchmark, its parameters and version): shards of one
    # plan run one suite, and the merge refuses a shard whose index differs
    suite = hashlib.sha256(index_file.read_bytes()).hexdigest()[:16] if index_file.exists() else ""
    # the shard's folder is laid out as a checkout's: results/, results-host/, results-duet/
    _duets(measured, commits, Workspace.at(results_dir.parent, plan.machine), plan.bench)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name in (RESULTS, HOST_DIR, DUET_DIR):
        if (results_dir.parent / name).exists():
            shutil.copytree(results_dir.parent / name, out / name)
    measured = [c for c in commits if list((out / RESULTS / plan.machine).glob(f"{c[:8]}-*.json"))]
    manifest = ShardManifest(
        plan=plan.digest,
        index=index,
        machine=plan.machine,
        harness=plan.harness,
        suite=suite or "unknown",
        duet_design=duet_design(),
        commits=commits,
        measured=measured,
        failed=failed,
        host=host_facts(),
        started_at=started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        finished_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    (out / MANIFEST).write_text(manifest.model_dump_json(indent=1) + "\n")
    log(f"shard {index}: {len(measured)} of {len(commits)} commit(s) measured into {out}")
    return ExitCode.OK if len(measured) == len(commits) and not failed else ExitCode.CANNOT_JUDGE


def _duets(measured: Workspace, commits: list[str], shard: Workspace, bench: str | None) -> None:
    """Each of the shard's commits in duet with the backend commit before it, kept in the
    ``shard`` folder: wall times from different runners are only ever judged on such pairs."""
    history = backend_commits(measured.root)
    before = {head: base for base, head in itertools.pairwise(history)}
    targets = duet_targets(measured.results.index(), measured.rules.gate, bench)
    for head in commits:
        base = before.get(head)
        if base is None or not targets:
            continue
        log(f"duet of {base[:8]} -> {head[:8]}: {len(targets)} wall times")
        record = run_duet(measured, base, head, targets)
        write_record(record, record_path(shard, base, head))


def merge_shards(
    root: Path, plan_path: Path, folders: list[Path], *, accept_partial: bool
) -> ExitCode:
    """File the shards' results into ``results/`` once they are what the plan asked for;
    any shard missing, foreign, duplicated or short of commits stops the merge (exit 2)
    unless ``accept_partial`` (which files what finished and names the rest); a counted
    figure two measurements disagree on always does."""
    plan = load_plan(plan_path)
    manifests: list[tuple[str, ShardManifest]] = []
    unfinished = []
    for folder in folders:
        text = read_input(folder / MANIFEST)
        if text is None:
            unfinished.append(f"{folder}: no {MANIFEST} (the shard did not finish)")
            continue
        raw = parse_json(text, str(folder / MANIFEST), "run that shard again")
        manifests.append((str(folder), validated(ShardManifest, raw, str(folder / MANIFEST))))
    check = check_shards(plan, manifests)
    problems = unfinished + check.problems()
    if problems and not (accept_partial and not check.foreign and not check.duplicated):
        raise HarnessError(
            f"{'; '.join(problems)}: re-run the shards named, or merge with --accept-partial "
            "to keep a partial history"
        )
    for line in problems:
        log(f"accepted as partial: {line}")
    accepted = bool(problems)
    history = Workspace.at(root, plan.machine)
    filed = 0
    for origin, manifest in manifests:
        if manifest.plan != plan.digest:
            continue
        shard = Path(origin)
        incoming = ResultsFolder(shard / RESULTS, plan.machine)
        for commit in manifest.measured:
            filed += _file_commit(history, incoming, commit)
        # asv publishes a machine's results only beside its machine.json (a new runner type
        # has none in results/ yet)
        described = root / RESULTS / plan.machine / MACHINE_FILE
        if manifest.measured and not described.exists():
            source = shard / RESULTS / plan.machine / MACHINE_FILE
            if not source.exists():
                raise HarnessError(
                    f"{shard} has no {RESULTS}/{plan.machine}/{MACHINE_FILE}: asv would not "
                    "publish the merged history; run that shard again"
                )
            shutil.copy2(source, described)
        _copy_tree(shard / DUET_DIR, root / DUET_DIR)
        _copy_tree(shard / HOST_DIR, root / HOST_DIR)
        index = shard / RESULTS / "benchmarks.json"
        if index.exists() and not (root / RESULTS / "benchmarks.json").exists():
            shutil.copy2(index, root / RESULTS / "benchmarks.json")
    log(f"merged {filed} commit(s) from {len(manifests)} shard(s) into {RESULTS}/{plan.machine}/")
    if accepted:
        log(f"a partial history: {len(problems)} problem(s) accepted (--accept-partial)")
    return ExitCode.OK


def _file_commit(history: Workspace, shard: ResultsFolder, commit: str) -> int:
    """One commit's result file into the history's results; a commit already there is kept,
    after its counted figures are checked against the shard's (a disagreement is a
    determinism bug)."""
    incoming, rules = shard.load(commit), history.rules
    if commit[:8] in history.results.commits():
        held = history.results.load(commit)
        conflicts = counted_conflicts(held, incoming, rules.gate, rules.calibration)
        if conflicts:
            raise HarnessError(
                f"{commit[:8]} was counted twice with different results (a determinism bug, "
                f"never averaged): {'; '.join(conflicts[:5])}"
            )
        return 0
    target = history.results.machine_dir
    target.mkdir(parents=True, exist_ok=True)
    source = shard.file(commit)
    shutil.copy2(source, target / source.name)
    return 1


def _copy_tree(source: Path, target: Path) -> None:
    if source.exists():
        shutil.copytree(source, target, dirs_exist_ok=True)


def _suite_seconds(path: Path) -> tuple[int, float]:
    """A stored asv result: how many benchmarks it holds, and the seconds they took (each
    benchmark's duration, the setup caches and the build)."""
    raw = parse_json(read_input(path) or "{}", str(path), "measure that commit again")
    columns = raw.get("result_columns", [])
    if "duration" not in columns:
        return 0, 0.0
    at = columns.index("duration")
    durations = [row[at] for row in raw.get("results", {}).values() if len(row) > at and row[at]]
    return len(raw.get("results", {})), sum(durations) + sum(raw.get("durations", {}).values())


def measured_cost(workspace: Workspace, overhead_s: float = SHARD_OVERHEAD_S) -> BackfillCost:
    """A backfill's cost from what the workspace stores for its machine: the median suite
    time of the commits measured with the newest (largest) suite, and the median duet of the
    current design."""
    root, machine = workspace.root, workspace.machine
    files = sorted(workspace.results.machine_dir.glob("*-env-*.json"))
    measured = [_suite_seconds(path) for path in files]
    largest = max((count for count, _s in measured), default=0)
    suites = [seconds for count, seconds in measured if count == largest and seconds]
    if not suites:
        raise HarnessError(f"no stored results for {machine} to estimate from: run history first")
    design = duet_design()
    duets = []
    for path in sorted((root / DUET_DIR / machine).glob("*.json")):
        raw = parse_json(read_input(path) or "{}", str(path), "measure the pair again")
        record: DuetRecord = validated(DuetRecord, raw, str(path))
        if record.design == design:
            duets.append(record.seconds)
    if not duets:
        raise HarnessError(f"no duet of the current design stored for {machine}: run duet first")
    return BackfillCost(statistics.median(suites), statistics.median(duets), overhead_s)
