"""Statistics from raw per-call samples: the figures asv does not keep (P95, P99, spread),
a bootstrap confidence interval for P95, and the significance test of the gate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats as scipy_stats

BOOTSTRAP_RESAMPLES = 2_000
CONFIDENCE = 0.95


@dataclass(frozen=True)
class SampleStats:
    """Per-call figures, in seconds (``ops_per_s`` in calls per second)."""

    count: int
    min: float
    max: float
    mean: float
    median: float
    p95: float
    p99: float
    std: float
    ops_per_s: float
    p95_ci_low: float
    p95_ci_high: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def describe(samples: Sequence[float], *, seed: int = 0) -> SampleStats:
    """Summarise samples; P95's confidence interval comes from a seeded bootstrap."""
    values = np.asarray(samples, dtype=float)
    if values.size == 0:
        raise ValueError("no samples to describe")
    p95, p99 = np.percentile(values, [95, 99])
    rng = np.random.default_rng(seed)
    resampled = rng.choice(values, size=(BOOTSTRAP_RESAMPLES, values.size), replace=True)
    boot_p95 = np.percentile(resampled, 95, axis=1)
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(boot_p95, [tail, 100 - tail])
    mean = float(values.mean())
    return SampleStats(
        count=int(values.size),
        min=float(values.min()),
        max=float(values.max()),
        mean=mean,
        median=float(np.median(values)),
        p95=float(p95),
        p99=float(p99),
        std=float(values.std(ddof=1)) if values.size > 1 else 0.0,
        ops_per_s=1.0 / mean if mean > 0 else float("inf"),
        p95_ci_low=float(low),
        p95_ci_high=float(high),
    )


def different(base: Sequence[float], head: Sequence[float]) -> float | None:
    """Two-sided Mann-Whitney U p-value of base against head, or None with too few samples
    to ever reach significance."""
    if len(base) < 5 or len(head) < 5:
        return None
    return float(scipy_stats.mannwhitneyu(base, head, alternative="two-sided").pvalue)
