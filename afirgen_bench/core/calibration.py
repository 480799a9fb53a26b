"""A machine's noise, from A/A runs: the same code measured against itself, so every shift
seen is noise. From it the gate knows, per benchmark, version and machine, the smallest
slowdown it can detect. Stored in ``calibration/<machine>.json``, committed."""

from __future__ import annotations

import math
from collections.abc import Mapping

from afirgen_bench.core.config import SIGMA_MAX, Noise, Spread
from afirgen_bench.core.errors import HarnessError
from afirgen_bench.core.models import Measurement
from afirgen_bench.core.stats import Shift

Pair = tuple[Measurement, Measurement]  # the same benchmark measured twice

# Few A/A runs can agree by luck; no benchmark is trusted to be steadier than this.
SIGMA_FLOOR = 0.005


def estimate(runs: list[Mapping[str, tuple[Shift, str | None]]]) -> dict[str, Noise]:
    """Noise per benchmark from the A/A shifts (with the benchmark version measured) of
    several runs: the root mean square of the shifts (the true shift is zero, so a bias
    counts as noise too), never below ``SIGMA_FLOOR``. A benchmark seen in fewer than two
    runs, or under two versions, gets no estimate."""
    keys = dict.fromkeys(key for run in runs for key in run)
    noise = {}
    for key in keys:
        seen = [run[key] for run in runs if key in run]
        versions = {version for _shift, version in seen}
        shifts = [shift.log_ratio for shift, _version in seen]
        if len(seen) < 2 or len(versions) != 1 or not all(map(math.isfinite, shifts)):
            continue
        rms = math.sqrt(sum(s**2 for s in shifts) / len(shifts))
        if rms > SIGMA_MAX:
            raise HarnessError(
                f"{key}: A/A noise {rms:.2f} (log ratio) is above the {SIGMA_MAX:g} the gate "
                "accepts: its figure measures the machine, not the code; fix its statistic, "
                "or recalibrate the others with --bench"
            )
        noise[key] = Noise(
            sigma=max(rms, SIGMA_FLOOR),
            runs=len(shifts),
            largest=max(shifts, key=abs),
            version=versions.pop(),
        )
    return noise


def relative_difference(a: float, b: float) -> float:
    """|b - a| relative to a; 0 when both are 0, infinite from 0 to anything else."""
    if a == b:
        return 0.0
    return abs(b - a) / abs(a) if a else math.inf


def exact_spreads(runs: list[list[Pair]], units: Mapping[str, float]) -> dict[str, Spread]:
    """The largest A/A difference of each deterministic figure (a unit in ``units``) over
    the runs; figures seen under two versions get none."""
    seen: dict[str, list[tuple[float, str, str | None]]] = {}
    for run in runs:
        for before, after in run:
            if after.unit not in units or before.value is None or after.value is None:
                continue
            difference = relative_difference(before.value, after.value)
            seen.setdefault(after.key, []).append((difference, after.unit, after.version))
    spreads = {}
    for key, found in seen.items():
        versions = {version for _d, _u, version in found}
        differences = [d for d, _u, _v in found]
        if len(versions) != 1 or not all(map(math.isfinite, differences)):
            continue
        spreads[key] = Spread(
            largest=max(differences), runs=len(found), unit=found[0][1], version=versions.pop()
        )
    return spreads
