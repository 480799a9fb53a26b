"""The load test's single figures per run leave the regression gate for the SLA: one noisy
30-s P95 never fails a comparison on its own, and no figure can leave both."""

from __future__ import annotations

from pathlib import Path

import pytest

from afirgen_bench.core.config import GateConfig, Limits, parse_gate
from afirgen_bench.core.errors import HarnessError
from afirgen_bench.core.gate import compare_one
from afirgen_bench.core.models import Kind, Measurement, Verdict
from afirgen_bench.core.names import check_sla_only

ROOT = Path(__file__).resolve().parents[2]
P95 = "load.LoadTest.track_p95"


def p95(value: float) -> Measurement:
    return Measurement(P95, ("'/api/v1/firs'",), Kind.TRACK, "ms", value, False, (value,), "v")


def test_a_doubled_load_p95_is_left_to_the_sla() -> None:
    gate = parse_gate((ROOT / "gate.toml").read_text(), "gate.toml")
    change = compare_one(p95(50.0), p95(100.0), gate)
    assert change.verdict is Verdict.SLA_ONLY
    assert change.verdict.outcome.value == "passes"
    assert compare_one(p95(50.0), p95(100.0), GateConfig()).verdict is Verdict.REGRESSION


def test_a_figure_left_to_an_sla_that_does_not_limit_it_is_refused() -> None:
    gate = GateConfig(sla_only=[P95])
    with pytest.raises(HarnessError, match="judged by nobody"):
        check_sla_only(gate, {"api.GetFirStatus.time_get_fir_status": Limits(p95_ms=100)}, "g")
    check_sla_only(gate, {f"{P95}('/api/v1/firs')": Limits(max_value=200)}, "g")


@pytest.mark.parametrize(
    "twice",
    [
        {"sla_only": [P95], "deterministic": [P95]},
        {"sla_only": [P95], "absolute": {P95: 1.0}},
        {"sla_only": [P95, P95]},
    ],
)
def test_one_rule_each(twice: dict) -> None:
    with pytest.raises(ValueError):
        GateConfig(**twice)
