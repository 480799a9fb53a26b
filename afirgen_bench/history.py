"""The main job: per-commit history with asv, a comparison of the newest two, the site.

Only commits that changed the backend under benchmark are run (derived from git), and only
those without results for this machine yet (``--remeasure``: all of them again, in one run,
e.g. after the measurement design changed). The private MariaDB and Redis are started once
for the whole job and stopped when it ends; each commit's API server exits with the job too.
"""

from __future__ import annotations

import itertools

from afirgen_bench.core.errors import ExitCode
from afirgen_bench.core.reports import summary_text
from afirgen_bench.duet import duet_targets, run_duet
from afirgen_bench.duet_store import record_path, write_record
from afirgen_bench.git import backend_commits
from afirgen_bench.judge import judge
from afirgen_bench.publish import publish_site
from afirgen_bench.runner import log, run_commits
from afirgen_bench.workspace import Workspace


def run_history(
    workspace: Workspace,
    *,
    limit: int | None,
    publish: bool,
    bench: str | None,
    remeasure: bool = False,
) -> ExitCode:
    root, machine = workspace.root, workspace.machine
    commits = backend_commits(root)
    if limit:
        commits = commits[-limit:]
    done = set() if remeasure else workspace.results.commits()
    todo = [c for c in commits if c[:8] not in done]
    log(f"{len(commits)} backend commits, {len(todo)} to benchmark on {machine}")
    status = ExitCode.OK
    if todo:
        failed = run_commits(workspace, todo, bench=bench, config=None)
        if failed:
            log(f"{len(failed)} benchmark(s) failed: {', '.join(failed)}")
            status = ExitCode.CANNOT_JUDGE
        status = max(status, _duets(workspace, commits, set(todo), bench))
    if len(commits) >= 2:
        status = max(status, _compare_newest(workspace, commits[-2], commits[-1], set(todo)))
    if publish:
        status = max(status, publish_site(workspace))
    return status


def _duets(workspace: Workspace, commits: list[str], new: set[str], bench: str | None) -> ExitCode:
    """Each new commit's wall times measured in duet with its predecessor, and kept in
    results-duet/: judging neighbours never compares two runs' wall times."""
    targets = duet_targets(workspace.results.index(), workspace.rules.gate, bench)
    if not targets:
        return ExitCode.OK
    status = ExitCode.OK
    for base, head in pairs_to_duet(commits, new):
        log(f"duet of {base[:8]} -> {head[:8]}: {len(targets)} wall times")
        record = run_duet(workspace, base, head, targets)
        write_record(record, record_path(workspace, base, head))
        if any(f.problem for f in record.figures.values()):
            status = ExitCode.CANNOT_JUDGE
    return status


def pairs_to_duet(commits: list[str], new: set[str]) -> list[tuple[str, str]]:
    """Each new commit with the backend commit before it (the oldest has none)."""
    return [(base, head) for base, head in itertools.pairwise(commits) if head in new]


def _compare_newest(
    workspace: Workspace, base: str, head: str, benchmarked_now: set[str]
) -> ExitCode:
    """Judge the newest two backend commits from what is stored: their counted figures on
    their tolerances; their wall times on the pairs of their duet (``results-duet/``), or,
    when both were benchmarked in this run and have none, as one run. Nothing is re-run to
    explain the machine's drift between runs (1.5-2.2x within an hour on 2026-12-04): wall
    times from different runs with no duet are reported unjudged."""
    together = {base, head} <= benchmarked_now
    how = "benchmarked side by side in this run" if together else "from different runs"
    log(f"judging {base[:8]} -> {head[:8]} ({how})")
    judgement = judge(workspace, base, head, across_runs=not together, beyond_drift=False)
    print(summary_text(judgement))
    return judgement.exit_code
