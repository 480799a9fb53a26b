"""Statistics from raw per-call samples: the figures asv does not keep (P95, P99, spread),
a P95 confidence interval that respects rounds, and what the gate can detect given noise."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from statistics import NormalDist

import numpy as np

BOOTSTRAP_RESAMPLES = 2_000
CONFIDENCE = 0.95
# A percentile q is only an estimate with some samples beyond it: at least this many.
SAMPLES_BEYOND_PERCENTILE = 5


def samples_needed(quantile: float) -> int:
    """Samples needed to estimate ``quantile`` (0.95 -> 100, 0.99 -> 500)."""
    return math.ceil(SAMPLES_BEYOND_PERCENTILE / (1 - quantile) - 1e-9)


@dataclass(frozen=True)
class SampleStats:
    """Per-call figures, in seconds (``ops_per_s`` in calls per second)."""

    count: int
    rounds: int
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


def describe(rounds: Sequence[Sequence[float]], *, seed: int = 0) -> SampleStats:
    """Summarise samples given as rounds (one sequence per process; pass one sequence when
    the rounds are unknown). P95's interval is a two-stage bootstrap: rounds drawn with
    replacement, then samples within each, so the spread between processes (which is most
    of the noise here) widens the interval as it should."""
    groups = [np.asarray(r, dtype=float) for r in rounds if len(r)]
    if not groups:
        raise ValueError("no samples to describe")
    values = np.concatenate(groups)
    p95, p99 = np.percentile(values, [95, 99])
    rng = np.random.default_rng(seed)
    if len(groups) > 1 and len({g.size for g in groups}) == 1:
        stacked = np.stack(groups)  # rounds x samples
        picked = rng.integers(0, len(groups), size=(BOOTSTRAP_RESAMPLES, len(groups)))
        within = rng.integers(0, stacked.shape[1], size=(*picked.shape, stacked.shape[1]))
        resampled = stacked[picked[..., None], within].reshape(BOOTSTRAP_RESAMPLES, -1)
    else:
        resampled = rng.choice(values, size=(BOOTSTRAP_RESAMPLES, values.size), replace=True)
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(np.percentile(resampled, 95, axis=1), [tail, 100 - tail])
    mean = float(values.mean())
    return SampleStats(
        count=int(values.size),
        rounds=len(groups),
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


@dataclass(frozen=True)
class Shift:
    """How far head moved from base, as a natural-log ratio (0: unchanged; 0.0488: 5 % up)."""

    log_ratio: float

    @property
    def ratio(self) -> float:
        return math.exp(self.log_ratio)


def fastest_round_shift(
    base_rounds: Sequence[Sequence[float]], head_rounds: Sequence[Sequence[float]]
) -> Shift:
    """Compare each side's fastest round median. Interference on this machine only ever adds
    time, and it comes in bursts that slow a whole round (+10-50 % measured), so the fastest
    of the interleaved rounds is the steadiest figure of each side."""
    before = min(float(np.median(r)) for r in base_rounds)
    after = min(float(np.median(r)) for r in head_rounds)
    return Shift(math.log(after / before))


def single_shift(before: float, after: float) -> Shift:
    return Shift(math.log(after / before))


def _z(p: float) -> float:
    return NormalDist().inv_cdf(p)


@dataclass(frozen=True)
class Detection:
    """What one comparison can tell apart, given the noise of its log-ratio estimate.

    ``sigma`` is that estimate's standard deviation (calibrated on the machine; 0 for an
    exact figure or when nobody measured it). Each benchmark promises to catch slowdowns of
    ``promise``: the threshold, or its minimum detectable effect (MDE) when its noise hides
    the threshold. A slowdown is flagged beyond ``flag_at``: past the noise at false-alarm
    rate ``alpha`` and close enough to ``promise`` that an effect that large is caught with
    ``power``. ``flag_at`` never exceeds the promise, so every slowdown beyond its own limit
    is flagged: no benchmark is exempt. ``drift`` (a log ratio) raises the limit for wall
    times measured in different runs to the drift the machine has shown between runs.
    """

    sigma: float
    alpha: float
    power: float
    threshold: float
    drift: float = 0.0

    @property
    def minimum_effect(self) -> float:
        """The smallest change (as a fraction) flagged with probability ``power``."""
        return max(math.expm1((_z(1 - self.alpha) + _z(self.power)) * self.sigma), 0.0)

    @property
    def promise(self) -> float:
        """This benchmark's limit: the larger of the threshold, its MDE and the drift."""
        return max(self.threshold, self.minimum_effect, math.expm1(self.drift))

    @property
    def meets_threshold(self) -> bool:
        """True if a change of ``threshold`` itself is caught with ``power``."""
        return self.minimum_effect <= self.threshold

    @property
    def flag_at(self) -> float:
        """The log ratio beyond which a change is flagged."""
        noise_bound = _z(1 - self.alpha) * self.sigma
        return max(noise_bound, self.drift, math.log1p(self.promise) - _z(self.power) * self.sigma)
