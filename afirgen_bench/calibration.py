"""Noise calibration: how far the PR check's estimate moves when nothing changed (A/A).

``python -m afirgen_bench calibrate`` benchmarks a commit against a twin of itself (the same
tree under another hash) several times, exactly as the PR check runs a base and a head, and
keeps for every benchmark the spread of the check's estimate. From it the gate knows, per
benchmark and per machine, the smallest slowdown it can detect; benchmarks that cannot see
the threshold are advisory. Stored in ``calibration/<machine>.json``, committed.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from afirgen_bench.errors import HarnessError

if TYPE_CHECKING:
    from collections.abc import Callable

    from afirgen_bench.stats import Shift

TWIN_REF = "refs/afirgen/calibration-twin"
FORMAT = 1


# Few A/A runs can agree by luck; no benchmark is trusted to be steadier than this.
SIGMA_FLOOR = 0.005


@dataclass(frozen=True)
class Noise:
    """One benchmark's A/A noise: ``sigma`` is the standard deviation of one check's
    log-ratio estimate: the root mean square of ``runs`` A/A shifts (the true shift is zero,
    so a bias counts as noise too), never below ``SIGMA_FLOOR``."""

    sigma: float
    runs: int
    largest: float  # the largest A/A shift seen, as a log ratio


@dataclass
class Calibration:
    machine: str
    measured_at: str
    commit: str
    runs: int
    seconds_per_run: list[float]
    noise: dict[str, Noise] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # partial recalibrations since

    def merged(self, update: Calibration, bench: str) -> Calibration:
        """This calibration with ``update``'s benchmarks (those ``bench`` selected) replaced."""
        note = (
            f"{len(update.noise)} benchmarks matching {bench!r} recalibrated at "
            f"{update.measured_at} from {update.runs} A/A runs of {update.commit[:8]}"
        )
        return replace(self, noise={**self.noise, **update.noise}, notes=[*self.notes, note])

    @classmethod
    def load(cls, path: Path) -> Calibration | None:
        """The calibration stored at ``path``, or None if this machine has none yet."""
        try:
            raw = json.loads(path.read_text())
        except FileNotFoundError:
            return None
        except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise HarnessError(
                f"{path} is unreadable ({exc}); run `python -m afirgen_bench calibrate` again"
            ) from exc
        try:
            if raw["format"] != FORMAT:
                raise HarnessError(f"{path} has format {raw['format']}, expected {FORMAT}")
            return cls(
                machine=raw["machine"],
                measured_at=raw["measured_at"],
                commit=raw["commit"],
                runs=int(raw["runs"]),
                seconds_per_run=[float(s) for s in raw["seconds_per_run"]],
                noise={key: Noise(**value) for key, value in raw["noise"].items()},
                notes=[str(note) for note in raw.get("notes", [])],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise HarnessError(f"{path} is not a calibration file ({exc!r})") from exc

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"format": FORMAT, **asdict(self)}
        path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def calibration_path(root: Path, machine: str) -> Path:
    return root / "calibration" / f"{machine}.json"


def estimate(runs: list[dict[str, Shift]]) -> dict[str, Noise]:
    """Noise per benchmark from the A/A shifts of several runs (the true shift is zero)."""
    keys = dict.fromkeys(key for run in runs for key in run)
    noise = {}
    for key in keys:
        shifts = [run[key] for run in runs if key in run]
        rms = math.sqrt(sum(s.log_ratio**2 for s in shifts) / len(shifts))
        largest = max((s.log_ratio for s in shifts), key=abs)
        noise[key] = Noise(sigma=max(rms, SIGMA_FLOOR), runs=len(shifts), largest=largest)
    return noise


def twin_commit(root: Path, commit: str) -> str:
    """A commit with ``commit``'s tree and message date fixed, so it is the same twin every
    time (asv reuses its build), kept alive under a private ref."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "afirgen-calibration",
        "GIT_AUTHOR_EMAIL": "calibration@afirgen.invalid",
        "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
        "GIT_COMMITTER_NAME": "afirgen-calibration",
        "GIT_COMMITTER_EMAIL": "calibration@afirgen.invalid",
        "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    }

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=root, env=env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise HarnessError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout.strip()

    tree = git("rev-parse", f"{commit}^{{tree}}")
    twin = git("commit-tree", tree, "-p", commit, "-m", f"A/A twin of {commit[:8]}")
    git("update-ref", TWIN_REF, twin)
    return twin


def calibrate(
    root: Path, commit: str, *, runs: int, bench: str | None, progress: Callable[[str], None]
) -> Calibration:
    """Run the PR check's measurement ``runs`` times on ``commit`` against its twin."""
    from afirgen_bench import asv_driver
    from afirgen_bench.compare import measure_shift
    from afirgen_bench.judge import pr_config
    from afirgen_bench.results import load_results
    from afirgen_bench.runner import run_commits

    if runs < 2:
        raise HarnessError("calibration needs at least 2 runs to see run-to-run spread")
    twin = twin_commit(root, commit)
    shifts: list[dict[str, Shift]] = []
    seconds = []
    for number in range(1, runs + 1):
        progress(f"A/A run {number}/{runs}: {commit[:8]} against its twin {twin[:8]}")
        config, results_dir = pr_config(root, f"calibrate/run-{number}")
        order = [commit, twin] if number % 2 else [twin, commit]
        started = time.monotonic()
        failed = run_commits(root, order, bench=bench, config=config, results_dir=results_dir)
        seconds.append(round(time.monotonic() - started, 1))
        if failed:
            raise HarnessError(f"benchmarks failed during calibration: {', '.join(failed)}")
        base = load_results(results_dir, asv_driver.MACHINE, commit)
        head = load_results(results_dir, asv_driver.MACHINE, twin)
        found = {}
        for key, before in base.measurements.items():
            after = head.measurements.get(key)
            if after is not None and (shift := measure_shift(before, after)) is not None:
                found[key] = shift
        shifts.append(found)
        progress(f"A/A run {number}/{runs} took {seconds[-1]:.0f} s, {len(found)} benchmarks")
    return Calibration(
        machine=asv_driver.MACHINE,
        measured_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        commit=commit,
        runs=runs,
        seconds_per_run=seconds,
        noise=estimate(shifts),
    )
