"""Rates (an error rate of 0 % is the normal base) move by absolute amounts: gate.toml
``[absolute]`` gives each the largest worsening allowed, in its unit."""

from __future__ import annotations

from afirgen_bench.core.change import Case, Change, GateRule
from afirgen_bench.core.config import GateConfig
from afirgen_bench.core.models import Measurement, NoiseSource, Verdict


def _absolute_limit(case: Case) -> Change | None:
    if case.some.benchmark not in case.gate.absolute:
        return None
    base, head = case.sides
    return _absolute(base, head, case.gate, case.some.benchmark in case.gate.higher_is_better)


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


RULES = (GateRule("absolute limit", 110, _absolute_limit),)
