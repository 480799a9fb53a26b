"""Figures the gate does not judge as numbers of their own: those only the SLA judges (one
figure per run, as noisy as the run) and ratios of other benchmarks (judged through them)."""

from __future__ import annotations

from afirgen_bench.core.change import Case, Change, GateRule
from afirgen_bench.core.models import Verdict


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


RULES = (
    GateRule("SLA only", 90, _sla_only),
    GateRule("derived", 100, _derived),
)
