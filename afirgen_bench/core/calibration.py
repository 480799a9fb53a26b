"""A machine's noise, from A/A runs: the same code measured against itself, so every shift
seen is noise. From it the gate knows, per benchmark, version and machine, the smallest
slowdown it can detect. Stored in ``calibration/<machine>.json``, committed."""

from __future__ import annotations

import math
from collections.abc import Mapping

from afirgen_bench.core.config import Noise
from afirgen_bench.core.stats import Shift

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
        noise[key] = Noise(
            sigma=max(rms, SIGMA_FLOOR),
            runs=len(shifts),
            largest=max(shifts, key=abs),
            version=versions.pop(),
        )
    return noise
