"""What the gate's rules look at and decide: the ``Case`` of one benchmark (both sides and
the settings), the ``Change`` a rule returns, and the figures and noise they judge with.
docs/gate.md explains the statistics."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass

from afirgen_bench.core.config import Calibration, GateConfig, Noise
from afirgen_bench.core.models import Measurement, NoiseSource, Side, Verdict
from afirgen_bench.core.stats import Detection, Shift, fastest_round_shift, single_shift

# Noise sources whose sigma was measured, so a minimum detectable effect means something.
MEASURED_NOISE = frozenset({NoiseSource.CALIBRATED, NoiseSource.DUET})


@dataclass(frozen=True)
class Change:
    key: str
    benchmark: str
    verdict: Verdict
    base: Measurement | None
    head: Measurement | None
    ratio: float | None = None  # head / base of the compared figure
    detection: Detection | None = None  # what this comparison could tell apart
    noise_source: NoiseSource | None = None
    absolute_limit: float | None = None  # rates: the largest worsening allowed, in its unit
    reason: str = ""  # why, for verdicts that are not a plain measurement

    def side(self, which: Side) -> Measurement | None:
        return self.base if which is Side.BASE else self.head

    @property
    def fails(self) -> bool:
        return self.verdict is Verdict.REGRESSION

    @property
    def limit(self) -> float | None:
        """The smallest slowdown this benchmark promises to catch (a fraction)."""
        return self.detection.promise if self.detection else None

    @property
    def minimum_effect(self) -> float | None:
        """The smallest change caught with the gate's power; None when nobody measured the
        noise."""
        if self.detection is None or self.noise_source not in MEASURED_NOISE:
            return None
        return self.detection.minimum_effect

    def unprotected(self, gate: GateConfig) -> bool:
        """True when its limit is above the gate's ``unprotected_above``: noise hides every
        change a reviewer would care about (it still fails beyond its limit)."""
        return self.limit is not None and self.limit > gate.unprotected_above

    @property
    def advisory(self) -> bool:
        """True when its noise hides the threshold, so it can only promise its MDE (it still
        fails beyond that)."""
        return self.detection is not None and not self.detection.meets_threshold


def figure(m: Measurement) -> float | None:
    """The one number of a side when rounds cannot be compared: the samples' median (asv's
    own value for track_ benchmarks)."""
    if m.samples:
        return statistics.median(m.samples)
    return m.value


def measure_shift(base: Measurement, head: Measurement) -> Shift | None:
    """Head against base: fastest round against fastest round when both have rounds, else
    the two figures; None when a relative change is undefined (a zero or negative base)."""
    before_rounds, after_rounds = base.rounds, head.rounds
    if before_rounds and after_rounds:
        return fastest_round_shift(before_rounds, after_rounds)
    before, after = figure(base), figure(head)
    if before is None or after is None or before <= 0 or after < 0:
        return None
    if after == 0:
        return Shift(-math.inf)
    return single_shift(before, after)


def detection_for(
    benchmark: str, gate: GateConfig, noise: Noise | None, drift: float = 0.0
) -> tuple[Detection, NoiseSource]:
    """The noise to judge a shift against, and where it comes from; ``drift`` (a log
    ratio) for wall times measured in different runs."""
    settings = {"alpha": gate.alpha, "power": gate.power, "threshold": gate.threshold}
    if benchmark in gate.deterministic:
        return Detection(sigma=0.0, **settings), NoiseSource.EXACT
    if noise is not None:
        return Detection(sigma=noise.sigma, drift=drift, **settings), NoiseSource.CALIBRATED
    return Detection(sigma=0.0, drift=drift, **settings), NoiseSource.UNCALIBRATED


def exact_tolerance(
    gate: GateConfig, measurement: Measurement, calibration: Calibration | None = None
) -> float | None:
    """The smallest flagged relative change of a figure the suite declares counted, else
    None: its unit's floor, raised to ``layout_margin`` times its calibrated spread across
    layouts (for the same version). A unit alone makes nothing exact: an average over a load
    run has a unit of queries too, and is as noisy as any wall time."""
    floor = gate.exact.get(measurement.unit) if measurement.counted else None
    if floor is None:
        return None
    spread = calibration.spread.get(measurement.key) if calibration else None
    if spread is None or spread.version != measurement.version or spread.unit != measurement.unit:
        return floor
    return max(floor, gate.layout_margin * spread.largest)


def noise_of(calibration: Calibration | None, measurement: Measurement) -> Noise | None:
    """The calibrated noise of this benchmark, if it was measured for the same version
    (and so the same measurement design)."""
    if calibration is None:
        return None
    noise = calibration.noise.get(measurement.key)
    if noise is None or noise.version != measurement.version:
        return None
    return noise


@dataclass(frozen=True)
class Case:
    """What one benchmark's rules look at: both sides, the rules' settings, and whether the
    sides come from different runs (wall times then move with the machine's drift)."""

    base: Measurement | None
    head: Measurement | None
    gate: GateConfig
    calibration: Calibration | None
    across_runs: bool

    @property
    def some(self) -> Measurement:
        found = self.head or self.base
        if found is None:
            raise ValueError("a benchmark's case needs a measurement on at least one side")
        return found

    @property
    def sides(self) -> tuple[Measurement, Measurement]:
        """Both sides, for the rules that come after the ones judging a missing side."""
        if self.base is None or self.head is None:
            raise ValueError(f"{self.some.key}: a rule for two sides met a missing one")
        return self.base, self.head

    def verdict(self, verdict: Verdict, reason: str = "") -> Change:
        return Change(
            self.some.key, self.some.benchmark, verdict, self.base, self.head, reason=reason
        )


@dataclass(frozen=True)
class GateRule:
    """One rule of the gate: it judges a case, or passes it on (None) to the rules after it.
    The rules run by ``precedence`` (lowest first) and the first that judges decides; each
    lives in a module of ``core/rules/``, found there by ``core.rules.ordered``."""

    name: str
    precedence: int
    judge: Callable[[Case], Change | None]


def shift_verdict(
    shift: Shift, detection: Detection, gate: GateConfig, higher_is_better: bool
) -> Verdict:
    """A wall time's verdict: flagged beyond ``detection``, uncertain beyond the threshold
    within the noise, else unchanged."""
    worse_by = -shift.log_ratio if higher_is_better else shift.log_ratio
    if worse_by > detection.flag_at:
        return Verdict.REGRESSION
    if -worse_by > detection.flag_at:
        return Verdict.IMPROVEMENT
    if abs(shift.log_ratio) > math.log1p(gate.threshold):
        return Verdict.UNCERTAIN
    return Verdict.UNCHANGED
