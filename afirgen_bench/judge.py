"""Fetching a judgement's inputs (result files, duets, host records; the rules from
``rules``) and handing them to the pure core."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from afirgen_bench import asv_driver
from afirgen_bench.core.config import Sla, parse_sla
from afirgen_bench.core.duet import DuetRecord, apply_duet, leave_across_runs
from afirgen_bench.core.errors import HarnessError
from afirgen_bench.core.explain import explain
from afirgen_bench.core.gate import compare
from afirgen_bench.core.names import check_sla
from afirgen_bench.core.verdict import Judgement
from afirgen_bench.duet_store import load_record, record_path
from afirgen_bench.git import is_ancestor, resolve_commit
from afirgen_bench.inputs import read_input
from afirgen_bench.load.endpoints import ENDPOINTS
from afirgen_bench.profiles import load_profiles, normalized
from afirgen_bench.results_folder import load_index
from afirgen_bench.rules import SLA_FILE, Rules, check_rules

if TYPE_CHECKING:
    from afirgen_bench.workspace import Workspace


def load_sla(root: Path) -> Sla:
    """The working tree's SLA limits, each section naming something real."""
    sla = parse_sla(read_input(root / SLA_FILE), SLA_FILE)
    check_sla(sla, load_index(root / "results"), SLA_FILE, ENDPOINTS)
    return sla


def refuse_swapped(root: Path, base: str, head: str) -> None:
    """A user's head older than the base (an ancestor of it) means the two were swapped: a
    slowdown would read as an improvement. (The proofs judge twins in any order: not here.)"""
    base_commit, head_commit = resolve_commit(root, base), resolve_commit(root, head)
    if head_commit != base_commit and is_ancestor(root, head_commit, base_commit):
        raise HarnessError(
            f"head '{head}' ({head_commit[:8]}) is older than base '{base}' ({base_commit[:8]}): "
            "the two are swapped (give the older commit first)"
        )


def judge(
    workspace: Workspace,
    base: str,
    head: str,
    *,
    rules: Rules | None = None,
    across_runs: bool | None = None,
    beyond_drift: bool = True,
) -> Judgement:
    """Judge ``head`` against ``base`` from the results stored in ``workspace``, by ``rules``
    (default: the workspace's). ``across_runs``: judge wall times as between runs (only beyond the
    machine's drift); by default, whether the two were measured in one run decides. Wall
    times the pair's duet measured (the workspace's ``results-duet/``) are judged on their
    pairs instead; with no duet, wall times across runs are judged beyond
    the drift, or (``beyond_drift=False``) not at all."""
    root, folder = workspace.root, workspace.results
    rules = rules or workspace.rules
    base_commit, head_commit = resolve_commit(root, base), resolve_commit(root, head)
    if base_commit == head_commit:
        raise HarnessError(
            f"base '{base}' and head '{head}' are the same commit ({base_commit[:12]}): "
            "a commit judged against itself proves nothing"
        )
    index = folder.index()
    check_rules(rules, index)
    base_results = folder.load(base_commit, index)
    head_results = folder.load(head_commit, index)
    if across_runs is None:
        across_runs = not folder.measured_together(base_results, head_results)
    changes = compare(
        base_results, head_results, rules.gate, rules.calibration, across_runs=across_runs
    )
    duet_path = record_path(workspace, base_commit, head_commit)
    record = load_record(duet_path, machine=folder.machine, base=base_commit, head=head_commit)
    if record is not None:
        changes = apply_duet(changes, record, rules.gate, rules.calibration)
    if across_runs and not beyond_drift:
        changes = leave_across_runs(changes)  # what no duet judged stays unjudged
    judgement = Judgement.of(
        base_results,
        head_results,
        changes,
        rules.sla.benchmarks,
        rules.gate,
        across_runs=across_runs,
    )
    judgement = replace(
        judgement.with_notes(
            rules.calibration_note,
            duet_note(record, duet_path, root),
            f"rules: gate.toml, sla.toml and calibration of {rules.source}",
        ),
        host=folder.host_record(head_results.commit),
    )
    return explain_instructions(workspace, judgement)


def duet_note(record: DuetRecord | None, path: Path, root: Path) -> str:
    where = path.relative_to(root) if path.is_relative_to(root) else path
    if record is None:
        return f"duet: none stored ({where})"
    return (
        f"duet: {len(record.figures)} wall times judged on pairs taken together "
        f"({record.schedule}, {record.measured_at}, {where})"
    )


def explain_instructions(workspace: Workspace, judgement: Judgement) -> Judgement:
    """``judgement`` with a per-function diff for every flagged instruction count whose two
    profiles this machine kept, and a note when it did not."""
    flagged = [
        c for c in judgement.regressions if c.head is not None and c.head.unit == "instructions"
    ]
    if not flagged:
        return judgement
    before = load_profiles(workspace, judgement.base.commit)
    after = load_profiles(workspace, judgement.head.commit)
    explanations, missing = {}, []
    for change in flagged:
        key = normalized(change.key)
        if key in before and key in after:
            explanations[change.key] = explain(before[key], after[key])
        else:
            missing.append(change.key)
    judgement = replace(judgement, explanations={**judgement.explanations, **explanations})
    if not missing:
        return judgement
    return judgement.with_notes(
        f"no per-function profile on this machine for {len(missing)} flagged instruction "
        f"count(s) (first: {missing[0]}): benchmark both commits here to see where the "
        "cost went"
    )


def pr_config(root: Path, folder_name: str = "pr") -> tuple[Path, Path]:
    """An asv config that writes into .asv/<folder_name>/ (which may be nested), so a PR
    check never overwrites the history."""
    config = asv_driver.read_config(root)
    folder = root / ".asv" / folder_name
    if folder.exists():
        shutil.rmtree(folder / "results", ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    up = os.path.relpath(root, folder)
    config.update(
        repo=up,
        benchmark_dir=os.path.join(up, "benchmarks"),
        env_dir=os.path.join(up, ".asv", "env"),
        results_dir="results",
        html_dir="html",
    )
    path = folder / "asv.conf.json"
    path.write_text(json.dumps(config, indent=2))
    return path, folder / "results"
