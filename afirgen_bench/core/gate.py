"""The regression gate: base against head, benchmark by benchmark.

The unit of evidence is a round (one process), not a call: calls within a process share its
luck. Each side is summarised by its fastest round median (bursts of interference slow whole
rounds, never speed them up), and the shift is the log ratio of the two. It is judged against
the benchmark's noise on the machine, calibrated by A/A runs for the same benchmark version;
uncalibrated, the bare threshold decides. Every benchmark can fail: beyond its own limit
(the larger of the threshold and its minimum detectable effect) a slowdown is a regression.
Anything that did not run, vanished or came out NaN is a verdict of its own that cannot pass.

Counted figures (instructions, opcodes, queries, rows... per operation: gate.toml ``[exact]``)
have no timing noise: a change beyond the figure's tolerance is flagged, whichever runs,
days or machines the two sides come from. The tolerance is the unit's floor, or, for a
figure calibrated across memory layouts (instructions move a little with where objects sit),
``layout_margin`` times the largest move seen between layouts, whichever is larger.
Wall times are judged within one run; across runs only beyond the drift this machine has
shown between runs (calibration ``drift``), and not at all while nobody has measured it.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass

from afirgen_bench.core.config import Calibration, Drift, GateConfig, Noise
from afirgen_bench.core.models import Measurement, NoiseSource, ResultSet, Side, Verdict
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


# A rule judges a case or passes it on (None). The first rule that judges decides, so the
# order below is the precedence: whatever did not run or came out wrong is named before any
# figure is compared, a changed meaning before a number, the kind of figure (SLA only, a
# ratio of others, a rate with an absolute limit, a counted figure) before a wall time, which
# judges whatever reaches it.
Rule = Callable[[Case], Change | None]


def _gone(case: Case) -> Change | None:
    return (
        case.verdict(Verdict.GONE, "ran at base, no result at head") if case.head is None else None
    )


def _failed_at_head(case: Case) -> Change | None:
    head = case.head
    return case.verdict(Verdict.FAILED, "failed at head") if head and head.failed else None


def _invalid_at_head(case: Case) -> Change | None:
    head = case.head
    return (
        case.verdict(Verdict.INVALID, f"{head.problem} at head") if head and head.problem else None
    )


def _new(case: Case) -> Change | None:
    return case.verdict(Verdict.NEW) if case.base is None else None


def _invalid_at_base(case: Case) -> Change | None:
    base, _ = case.sides
    return case.verdict(Verdict.INVALID, f"{base.problem} at base") if base.problem else None


def _fixed(case: Case) -> Change | None:
    base, _ = case.sides
    return case.verdict(Verdict.FIXED, "failed at base") if base.failed else None


def _skipped(case: Case) -> Change | None:
    base, head = case.sides
    if head.skipped:
        if base.skipped:
            return case.verdict(Verdict.SKIPPED, "not in either commit")
        return case.verdict(Verdict.NOT_RUN, "ran at base, skipped at head")
    return case.verdict(Verdict.NEW, "skipped at base") if base.skipped else None


def _version_changed(case: Case) -> Change | None:
    base, head = case.sides
    if base.version == head.version:
        return None
    if head.counted or base.counted:
        return case.verdict(
            Verdict.RECOUNT,
            f"the counted figure's version changed ({base.version} -> {head.version}): "
            "count the base again with this suite (run --commit BASE --bench '^cost\\.')",
        )
    return case.verdict(Verdict.INCOMPARABLE, "the benchmark's version (its meaning) changed")


def _sla_only(case: Case) -> Change | None:
    if case.some.benchmark not in case.gate.sla_only:
        return None
    return case.verdict(
        Verdict.SLA_ONLY, "one figure per run, as noisy as the run: sla.toml judges it"
    )


def _derived(case: Case) -> Change | None:
    parts = case.gate.derived.get(case.some.benchmark)
    if parts is None:
        return None
    return case.verdict(Verdict.DERIVED, f"a ratio judged through its parts: {', '.join(parts)}")


def _absolute_limit(case: Case) -> Change | None:
    if case.some.benchmark not in case.gate.absolute:
        return None
    base, head = case.sides
    return _absolute(base, head, case.gate, case.some.benchmark in case.gate.higher_is_better)


def _counted(case: Case) -> Change | None:
    base, head = case.sides
    tolerance = exact_tolerance(case.gate, head, case.calibration)
    if tolerance is not None:
        return _exact(base, head, tolerance, case.gate)
    if head.counted:
        return case.verdict(
            Verdict.INVALID,
            f"a counted figure in {head.unit}, a unit with no tolerance in gate.toml [exact]",
        )
    return None


def _wall_time(case: Case) -> Change:
    base, head = case.sides
    benchmark, gate = case.some.benchmark, case.gate
    drift = 0.0
    if case.across_runs and benchmark not in gate.deterministic:
        measured: Drift | None = case.calibration.drift if case.calibration else None
        if measured is None:
            return case.verdict(
                Verdict.ACROSS_RUNS,
                "a wall time measured in another run, and no drift between runs measured "
                "on this machine (calibrate drift): its deterministic figures judge it",
            )
        drift = measured.largest
    shift = measure_shift(base, head)
    if shift is None:
        return case.verdict(
            Verdict.INVALID,
            "a zero or negative base makes the relative change undefined; give it an "
            "absolute limit in gate.toml [absolute]",
        )
    detection, source = detection_for(benchmark, gate, noise_of(case.calibration, head), drift)
    return Change(
        case.some.key,
        benchmark,
        shift_verdict(shift, detection, gate, benchmark in gate.higher_is_better),
        base,
        head,
        ratio=shift.ratio,
        detection=detection,
        noise_source=source,
    )


RULES: tuple[Rule, ...] = (
    _gone,
    _failed_at_head,
    _invalid_at_head,
    _new,
    _invalid_at_base,
    _fixed,
    _skipped,
    _version_changed,
    _sla_only,
    _derived,
    _absolute_limit,
    _counted,
)


def compare_one(
    base: Measurement | None,
    head: Measurement | None,
    gate: GateConfig,
    calibration: Calibration | None = None,
    *,
    across_runs: bool = False,
) -> Change:
    """One benchmark's verdict: the first of ``RULES`` that judges it, else its wall time's;
    ``across_runs`` when the two sides were measured in different runs."""
    if base is None and head is None:
        raise ValueError("compare_one needs a measurement on at least one side")
    case = Case(base, head, gate, calibration, across_runs)
    for rule in RULES:
        if (change := rule(case)) is not None:
            return change
    return _wall_time(case)


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


def _exact(base: Measurement, head: Measurement, tolerance: float, gate: GateConfig) -> Change:
    """A deterministic figure: flagged at a relative change of ``tolerance`` or more, or at
    any change when it is 0 (a query more per operation is a regression, however small)."""
    before, after = base.value, head.value
    if before is None or after is None:
        raise ValueError("exact figures judge values, and both sides have one here")
    if before < 0 or after < 0:
        return Change(
            head.key, head.benchmark, Verdict.INVALID, base, head, reason="a negative count"
        )
    changed = not math.isclose(after, before, rel_tol=1e-9, abs_tol=1e-9)
    relative = after / before - 1 if before else (math.inf if changed else 0.0)
    flagged = changed and abs(relative) >= tolerance * (1 - 1e-9)  # 1.005 - 1 < 0.005
    if flagged:
        verdict = Verdict.REGRESSION if relative > 0 else Verdict.IMPROVEMENT
    else:
        verdict = Verdict.UNCHANGED
    return Change(
        head.key,
        head.benchmark,
        verdict,
        base,
        head,
        ratio=after / before if before > 0 else None,
        detection=Detection(sigma=0.0, alpha=gate.alpha, power=gate.power, threshold=tolerance),
        noise_source=NoiseSource.EXACT,
        reason=f"{before:,.6g} -> {after:,.6g} {head.unit}" if flagged or not before else "",
    )


def _absolute(
    base: Measurement, head: Measurement, gate: GateConfig, higher_is_better: bool
) -> Change:
    """Rates (an error rate of 0 % is the normal base) move by absolute amounts."""
    limit = gate.absolute[head.benchmark]
    before, after = base.value, head.value
    if before is None or after is None:
        raise ValueError("absolute limits judge values, and both sides have one here")
    worse_by = (before - after) if higher_is_better else (after - before)
    if worse_by > limit:
        verdict = Verdict.REGRESSION
    elif -worse_by > limit:
        verdict = Verdict.IMPROVEMENT
    else:
        verdict = Verdict.UNCHANGED
    return Change(
        head.key,
        head.benchmark,
        verdict,
        base,
        head,
        ratio=after / before if before > 0 else None,
        noise_source=NoiseSource.ABSOLUTE,
        absolute_limit=limit,
        reason=f"{before:g} -> {after:g} {head.unit}; allowed worsening {limit:g} {head.unit}",
    )


def compare(
    base: ResultSet,
    head: ResultSet,
    gate: GateConfig,
    calibration: Calibration | None = None,
    *,
    across_runs: bool = False,
) -> list[Change]:
    keys = list(dict.fromkeys([*base.measurements, *head.measurements]))
    return [
        compare_one(
            base.measurements.get(k),
            head.measurements.get(k),
            gate,
            calibration,
            across_runs=across_runs,
        )
        for k in keys
    ]
