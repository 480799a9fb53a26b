"""Counted figures (gate.toml ``[exact]``) have no timing noise: a change beyond the figure's
tolerance is flagged, whichever runs, days or machines the two sides come from."""

from __future__ import annotations

import math

from afirgen_bench.core.change import Case, Change, GateRule, exact_tolerance
from afirgen_bench.core.config import GateConfig
from afirgen_bench.core.models import Measurement, NoiseSource, Verdict
from afirgen_bench.core.stats import Detection


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


RULES = (GateRule("counted", 120, _counted),)
