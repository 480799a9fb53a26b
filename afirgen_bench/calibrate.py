"""The calibration workflow: the PR check's measurement run several times on one commit
against its twin (same tree, another hash), so every shift seen is this machine's noise."""

from __future__ import annotations

import itertools
import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

from afirgen_bench.core.calibration import Pair, estimate, exact_spreads
from afirgen_bench.core.change import measure_shift
from afirgen_bench.core.config import SIGMA_MAX, Calibration, Drift, GateConfig, Noise, Spread
from afirgen_bench.core.duet import (
    DuetRecord,
    noise_version,
    paired_shift,
)
from afirgen_bench.core.errors import HarnessError
from afirgen_bench.core.models import ResultSet
from afirgen_bench.core.stats import Shift
from afirgen_bench.duet import duet_targets, run_duet
from afirgen_bench.duet_store import load_record, write_record
from afirgen_bench.git import git, resolve_commit, twin_commit
from afirgen_bench.judge import pr_config
from afirgen_bench.preflight import COST_SUITE
from afirgen_bench.results_folder import ResultsFolder
from afirgen_bench.runner import run_commits
from afirgen_bench.workspace import Workspace

# benchmarks/cost.py LAYOUT_ENV (a test keeps them equal): the memory layout to count in
COST_LAYOUT_ENV = "AFIRGEN_BENCH_COST_LAYOUT"


def calibrate(
    workspace: Workspace,
    commit: str,
    *,
    runs: int,
    bench: str | None,
    gate: GateConfig,
    progress: Callable[[str], None],
) -> Calibration:
    if runs < 2:
        raise HarnessError("calibration needs at least 2 runs to see run-to-run spread")
    root, machine = workspace.root, workspace.machine
    twin = twin_commit(root, commit)
    pairs: list[list[Pair]] = []
    seconds = []
    for number in range(1, runs + 1):
        progress(f"A/A run {number}/{runs}: {commit[:8]} against its twin {twin[:8]}")
        config, results_dir = pr_config(root, f"calibrate/run-{number}")
        order = [commit, twin] if number % 2 else [twin, commit]
        started = time.monotonic()
        measured = workspace.with_results(results_dir)
        failed = run_commits(measured, order, bench=bench, config=config)
        seconds.append(round(time.monotonic() - started, 1))
        if failed:
            progress(f"A/A run {number}: left out, failed to run: {', '.join(failed)}")
        pairs.append(aa_pairs(measured.results, commit, twin))
        progress(f"A/A run {number}/{runs} took {seconds[-1]:.0f} s, {len(pairs[-1])} figures")
    return _calibration(machine, commit, runs, seconds, pairs, gate)


def duet_noise(
    workspace: Workspace,
    commit: str,
    *,
    duets: int,
    bench: str | None,
    gate: GateConfig,
    progress: Callable[[str], None],
) -> dict[str, Noise]:
    """The noise of the duet design: ``commit`` in duet with itself ``duets`` times (the
    records kept in .asv/calibrate/duet-<k>.json), each wall time's A/A estimates as noise
    (a bias between the two sides counts as noise too)."""
    targets = duet_targets(workspace.results.index(), gate, bench)
    runs: list[DuetRecord] = []
    for number in range(1, duets + 1):
        progress(f"A/A duet {number}/{duets} of {commit[:8]}: {len(targets)} wall times")
        record = run_duet(workspace, commit, commit, targets, progress=progress)
        write_record(record, workspace.root / ".asv" / "calibrate" / f"duet-{number}.json")
        progress(f"A/A duet {number}/{duets} took {record.seconds:.0f} s")
        runs.append(record)
    return duet_estimate(runs)


def duet_noise_from_records(workspace: Workspace, commit: str) -> dict[str, Noise]:
    """The duet noise from the A/A duets earlier ``calibrate duets`` runs left in
    ``.asv/calibrate/duet-*.json`` (after a change of the estimator, say), measuring nothing."""
    paths = sorted((workspace.root / ".asv" / "calibrate").glob("duet-*.json"))
    machine = workspace.machine
    records = [load_record(path, machine=machine, base=commit, head=commit) for path in paths]
    found = [r for r in records if r is not None]
    if len(found) < 2:
        raise HarnessError(
            f"fewer than 2 A/A duets of {commit[:8]} in .asv/calibrate: run calibrate duets"
        )
    return duet_estimate(found)


def duet_estimate(records: list[DuetRecord]) -> dict[str, Noise]:
    """Each wall time's A/A shifts over the duets, as noise (a bias counts too), never below
    the median standard error its pairs had in one duet: the judge takes the larger of the
    two, so the limits shown are the ones it applies."""
    shifts: list[dict[str, tuple[Shift, str | None]]] = []
    errors: dict[str, list[float]] = {}
    for record in records:
        shifts.append({})
        for key, figure in record.figures.items():
            if figure.problem is None:
                shift, error = paired_shift(figure)
                shifts[-1][key] = (shift, noise_version(figure, record.design))
                errors.setdefault(key, []).append(error)
    noise = estimate(shifts)
    for key, found in noise.items():
        typical = min(statistics.median(errors[key]), SIGMA_MAX)
        if typical > found.sigma:
            noise[key] = Noise(
                sigma=typical, runs=found.runs, largest=found.largest, version=found.version
            )
    return noise


def recalibrate_from_runs(workspace: Workspace, commit: str, *, gate: GateConfig) -> Calibration:
    """The calibration from the A/A result folders earlier ``calibrate`` runs left in
    ``.asv/calibrate/run-*`` (one interrupted or with a failure need not waste the others)."""
    root, machine = workspace.root, workspace.machine
    twin = twin_commit(root, commit)
    folders = sorted((root / ".asv" / "calibrate").glob("run-*/results"))
    pairs = [aa_pairs(ResultsFolder(folder, machine), commit, twin) for folder in folders]
    if len(pairs) < 2:
        raise HarnessError("fewer than 2 A/A result folders in .asv/calibrate: run calibrate runs")
    return _calibration(machine, commit, len(pairs), [], pairs, gate)


def aa_pairs(folder: ResultsFolder, commit: str, twin: str) -> list[Pair]:
    """Each benchmark measured on both sides of one A/A run, leaving out any that failed,
    did not run or came out invalid on either side."""
    return comparable_pairs(folder.load(commit), folder.load(twin))


def comparable_pairs(base: ResultSet, head: ResultSet) -> list[Pair]:
    pairs = []
    for key, before in base.measurements.items():
        after = head.measurements.get(key)
        if after is None or before.problem or after.problem or after.skipped or after.failed:
            continue
        if before.failed or before.skipped or before.version != after.version:
            continue
        pairs.append((before, after))
    return pairs


def wall_shifts(pairs: list[Pair], gate: GateConfig) -> dict[str, tuple[Shift, str | None]]:
    """The shifts of the figures that are not deterministic (those get spreads instead)."""
    found = {}
    for before, after in pairs:
        if after.unit in gate.exact:
            continue
        if (shift := measure_shift(before, after)) is not None:
            found[after.key] = (shift, after.version)
    return found


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _calibration(
    machine: str,
    commit: str,
    runs: int,
    seconds: list[float],
    pairs: list[list[Pair]],
    gate: GateConfig,
) -> Calibration:
    return Calibration(
        machine=machine,
        measured_at=_now(),
        commit=commit,
        runs=runs,
        seconds_per_run=seconds,
        noise=estimate([wall_shifts(run, gate) for run in pairs]),
        spread=exact_spreads(pairs, gate.exact),
    )


def measure_drift(workspace: Workspace, gate: GateConfig) -> Drift:
    """The drift between runs this machine has shown: the largest wall-time shift between
    result files of the same backend code (the same ``afirgen_fixtures`` tree) measured in
    different runs. Deterministic figures are left out: they do not drift."""
    root, folder = workspace.root, workspace.results
    commits = [resolve_commit(root, prefix) for prefix in sorted(folder.commits())]
    by_tree: dict[str, list[str]] = {}
    for commit in commits:
        by_tree.setdefault(git(root, "rev-parse", f"{commit}:afirgen_fixtures"), []).append(commit)
    largest, pairs = 0.0, 0
    for same_code in by_tree.values():
        for first, second in itertools.combinations(same_code, 2):
            base, head = folder.load(first), folder.load(second)
            if folder.measured_together(base, head):
                continue
            shifts = wall_shifts(comparable_pairs(base, head), gate)
            if shifts:
                pairs += 1
                largest = max(largest, *(abs(s.log_ratio) for s, _v in shifts.values()))
    if not pairs:
        raise HarnessError(
            f"no two result files of the same backend code from different runs in "
            f"{folder.machine_dir}: benchmark an unchanged commit again on another day"
        )
    return Drift(
        largest=largest,
        pairs=pairs,
        measured_at=_now(),
        source=f"wall times of identical backend code in different runs, {folder.path.name}/",
    )


def layout_spreads(
    workspace: Workspace,
    commit: str,
    *,
    layouts: int,
    gate: GateConfig,
    progress: Callable[[str], None],
) -> dict[str, Spread]:
    """Each counted figure's largest move between memory layouts: the cost suite counted
    ``layouts`` times at ``commit``, each run in a layout of its own (the stack and heap
    moved by seeded amounts, as an edit of the backend moves them), every pair compared."""
    if layouts < 2:
        raise HarnessError("a spread across layouts needs at least 2 layouts")
    results = []
    for layout in range(1, layouts + 1):
        progress(f"layout {layout}/{layouts}: counting the cost suite at {commit[:8]}")
        config, results_dir = pr_config(workspace.root, f"calibrate/layout-{layout}")
        started = time.monotonic()
        measured = workspace.with_results(results_dir)
        failed = run_commits(
            measured,
            [commit],
            bench=COST_SUITE,
            config=config,
            extra_env={COST_LAYOUT_ENV: str(layout)},
        )
        if failed:
            raise HarnessError(f"layout {layout}: counting failed for {', '.join(failed)}")
        results.append(measured.results.load(commit))
        progress(f"layout {layout}/{layouts} took {time.monotonic() - started:.0f} s")
    pairs = [comparable_pairs(a, b) for a, b in itertools.combinations(results, 2)]
    return exact_spreads(pairs, gate.exact)


def spreads_from_folder(folder: ResultsFolder, gate: GateConfig) -> dict[str, Spread]:
    """The A/A spread of every deterministic figure from separate measurements of the same
    code kept in one results folder (the deterministic proof's unchanged runs): every pair
    of result files compared."""
    results = []
    for path in sorted(folder.machine_dir.glob("*-*.json")):
        try:
            commit = json.loads(path.read_text())["commit_hash"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise HarnessError(f"{path} is not an asv result file ({exc})") from exc
        results.append(folder.load(commit))
    if len(results) < 2:
        raise HarnessError(f"fewer than 2 result files in {folder.machine_dir}")
    pairs = [comparable_pairs(a, b) for a, b in itertools.combinations(results, 2)]
    return exact_spreads(pairs, gate.exact)
