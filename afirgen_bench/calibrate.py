"""The calibration workflow: the PR check's measurement run several times on one commit
against its twin (same tree, another hash), so every shift seen is this machine's noise."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from afirgen_bench.core.calibration import estimate
from afirgen_bench.core.config import Calibration
from afirgen_bench.core.errors import HarnessError
from afirgen_bench.core.gate import measure_shift
from afirgen_bench.core.stats import Shift
from afirgen_bench.git import twin_commit
from afirgen_bench.judge import load_results, pr_config
from afirgen_bench.runner import run_commits


def calibrate(
    root: Path,
    commit: str,
    *,
    machine: str,
    runs: int,
    bench: str | None,
    progress: Callable[[str], None],
) -> Calibration:
    if runs < 2:
        raise HarnessError("calibration needs at least 2 runs to see run-to-run spread")
    twin = twin_commit(root, commit)
    shifts: list[dict[str, tuple[Shift, str | None]]] = []
    seconds = []
    for number in range(1, runs + 1):
        progress(f"A/A run {number}/{runs}: {commit[:8]} against its twin {twin[:8]}")
        config, results_dir = pr_config(root, f"calibrate/run-{number}")
        order = [commit, twin] if number % 2 else [twin, commit]
        started = time.monotonic()
        failed = run_commits(
            root, order, machine=machine, bench=bench, config=config, results_dir=results_dir
        )
        seconds.append(round(time.monotonic() - started, 1))
        if failed:
            progress(f"A/A run {number}: left out, failed to run: {', '.join(failed)}")
        shifts.append(aa_shifts(results_dir, machine, commit, twin))
        progress(f"A/A run {number}/{runs} took {seconds[-1]:.0f} s, {len(shifts[-1])} benchmarks")
    return _calibration(machine, commit, runs, seconds, shifts)


def recalibrate_from_runs(root: Path, commit: str, *, machine: str) -> Calibration:
    """The calibration from the A/A result folders earlier ``calibrate`` runs left in
    ``.asv/calibrate/run-*`` (one interrupted or with a failure need not waste the others)."""
    twin = twin_commit(root, commit)
    folders = sorted((root / ".asv" / "calibrate").glob("run-*/results"))
    shifts = [aa_shifts(folder, machine, commit, twin) for folder in folders]
    if len(shifts) < 2:
        raise HarnessError("fewer than 2 A/A result folders in .asv/calibrate: run calibrate")
    return _calibration(machine, commit, len(shifts), [], shifts)


def aa_shifts(
    results_dir: Path, machine: str, commit: str, twin: str
) -> dict[str, tuple[Shift, str | None]]:
    """Each benchmark's A/A shift in one run, leaving out any that failed, did not run or
    came out invalid on either side."""
    base = load_results(results_dir, machine, commit)
    head = load_results(results_dir, machine, twin)
    found = {}
    for key, before in base.measurements.items():
        after = head.measurements.get(key)
        if after is None or before.problem or after.problem or after.skipped or after.failed:
            continue
        if before.failed or before.skipped:
            continue
        if (shift := measure_shift(before, after)) is not None:
            found[key] = (shift, after.version)
    return found


def _calibration(
    machine: str,
    commit: str,
    runs: int,
    seconds: list[float],
    shifts: list[dict[str, tuple[Shift, str | None]]],
) -> Calibration:
    return Calibration(
        machine=machine,
        measured_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        commit=commit,
        runs=runs,
        seconds_per_run=seconds,
        noise=estimate(shifts),
    )
