"""Statistics from raw per-call samples: the figures asv does not keep (P95, P99, spread),
a bootstrap confidence interval for P95, and what the gate can detect given the noise."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from statistics import NormalDist

import numpy as np

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


def round_medians(samples: Sequence[float], rounds: int) -> list[float] | None:
    """The median of each round (process) when the samples split evenly into ``rounds``
    (asv appends the rounds in order; the suite takes a fixed number of samples per round)."""
    if rounds < 2 or not samples or len(samples) % rounds:
        return None
    return [float(np.median(chunk)) for chunk in np.split(np.asarray(samples, float), rounds)]


@dataclass(frozen=True)
class Shift:
    """How far head moved from base, as a natural-log ratio (0: unchanged; 0.0488: 5 % up)."""

    log_ratio: float

    @property
    def ratio(self) -> float:
        return math.exp(self.log_ratio)


def fastest_round_shift(base_rounds: Sequence[float], head_rounds: Sequence[float]) -> Shift:
    """Compare each side's fastest round median. Interference on this machine only ever adds
    time, and it comes in bursts that slow a whole round (+10-50 % measured), so the fastest
    of the interleaved rounds is the steadiest figure of each side."""
    return Shift(math.log(min(head_rounds) / min(base_rounds)))


def single_shift(before: float, after: float) -> Shift:
    return Shift(math.log(after / before))


@dataclass(frozen=True)
class Detection:
    """What one comparison can tell apart, given the noise of its log-ratio estimate.

    ``sigma`` is that estimate's standard deviation, calibrated on this machine. A slowdown
    is flagged beyond ``limit``: past the noise at false-alarm rate ``alpha``, and close
    enough to ``threshold`` that an effect of that size is caught with ``power``.
    """

    sigma: float
    alpha: float
    power: float
    threshold: float

    @staticmethod
    def _quantile(p: float) -> float:
        return NormalDist().inv_cdf(p)

    @property
    def limit(self) -> float:
        """The log ratio beyond which a change is flagged."""
        noise_bound = self._quantile(1 - self.alpha) * self.sigma
        return max(
            noise_bound, math.log1p(self.threshold) - self._quantile(self.power) * self.sigma
        )

    @property
    def minimum_effect(self) -> float:
        """The smallest change (as a fraction) flagged with probability ``power``."""
        z = self._quantile(1 - self.alpha) + self._quantile(self.power)
        return max(math.expm1(z * self.sigma), 0.0)

    @property
    def gating(self) -> bool:
        """True if a change of ``threshold`` is caught with ``power``."""
        return self.minimum_effect <= self.threshold
