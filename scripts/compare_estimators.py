"""Which per-side figure keeps A/A comparisons steadiest? (the measurement-design experiment)

Reads the result folders `python -m afirgen_bench calibrate` leaves in
``.asv/calibrate/run-N/results`` (copied elsewhere per design) and prints, per benchmark,
the root mean square of the A/A log ratio (0 would be perfect) under three estimators:
asv's pooled median of all samples, the median of round-by-round paired ratios, and the
fastest round median of each side (what the gate uses).

    python scripts/compare_estimators.py DESIGN_DIR [DESIGN_DIR ...]
"""

from __future__ import annotations

import json
import math
import statistics
import sys
from pathlib import Path

from afirgen_bench.core.models import Measurement
from afirgen_bench.machine import machine_name
from afirgen_bench.results_folder import ResultsFolder

MACHINE = machine_name()


def _commits(results_dir: Path) -> list[str]:
    files = sorted((results_dir / MACHINE).glob("*-*.json"))
    return [json.loads(p.read_text())["commit_hash"] for p in files]


def estimators(base: Measurement, head: Measurement) -> dict[str, float] | None:
    base_rounds, head_rounds = base.rounds, head.rounds
    if not base_rounds or not head_rounds:
        return None
    before = [statistics.median(r) for r in base_rounds]
    after = [statistics.median(r) for r in head_rounds]
    pairs = [math.log(h / b) for b, h in zip(before, after, strict=True)]
    return {
        "pooled median": math.log(
            statistics.median(head.samples) / statistics.median(base.samples)
        ),
        "median of paired rounds": statistics.median(pairs),
        "fastest round": math.log(min(after) / min(before)),
    }


def main(design_dirs: list[str]) -> None:
    for design in design_dirs:
        shifts: dict[str, dict[str, list[float]]] = {}
        runs = sorted(Path(design).glob("run-*/results"))
        for results_dir in runs:
            first, second = _commits(results_dir)
            folder = ResultsFolder(results_dir, MACHINE)
            base, head = folder.load(first).measurements, folder.load(second).measurements
            for key, measurement in base.items():
                found = estimators(measurement, head[key]) if key in head else None
                for name, value in (found or {}).items():
                    shifts.setdefault(key, {}).setdefault(name, []).append(value)
        print(f"\n{design}: {len(runs)} A/A runs; RMS of the A/A log ratio, in %")
        names = ["pooled median", "median of paired rounds", "fastest round"]
        print(f"{'benchmark':<58}" + "".join(f"{n:>26}" for n in names))
        for key, by_name in sorted(shifts.items()):
            cells = [math.sqrt(statistics.fmean(v * v for v in by_name[n])) * 100 for n in names]
            print(f"{key[:58]:<58}" + "".join(f"{c:>26.2f}" for c in cells))


if __name__ == "__main__":
    main(sys.argv[1:])
