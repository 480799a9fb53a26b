"""Wall times, judged against the benchmark's noise on this machine: the rule every case
reaches when no earlier rule judged it, so it always judges."""

from __future__ import annotations

from afirgen_bench.core.change import (
    Case,
    Change,
    GateRule,
    detection_for,
    measure_shift,
    noise_of,
    shift_verdict,
)
from afirgen_bench.core.config import Drift
from afirgen_bench.core.models import Verdict


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


RULES = (GateRule("wall time", 1000, _wall_time),)
