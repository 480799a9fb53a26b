"""The load run judged in the core: errors, each endpoint's P95 against its ``[load_test]`` limit,
and every FIR stored once; a P95 that is not a number never passes."""

from __future__ import annotations

import math
from dataclasses import replace

from afirgen_bench.core.config import EndpointLimit, LoadTestLimits, parse_sla
from afirgen_bench.core.sla import LoadRun, judge_load_run

SLA = LoadTestLimits(
    max_error_rate=0.01, endpoints={"/api/v1/fir/{fir_number}": EndpointLimit(p95_ms=100)}
)
GOOD = LoadRun(
    requests=1000,
    failures=5,
    p95_ms={"/api/v1/fir/{fir_number}": 40.0, "/api/v1/unlimited": 5000.0},
    firs_created=10,
    firs_stored=10,
    duplicate_firs=0,
    half_finished_sessions=0,
)


def test_a_good_run_passes() -> None:
    assert judge_load_run(GOOD, SLA) == []


def test_each_criterion_can_fail() -> None:
    assert "error rate" in judge_load_run(replace(GOOD, failures=11), SLA)[0]
    slow = replace(GOOD, p95_ms={"/api/v1/fir/{fir_number}": 100.5})
    assert judge_load_run(slow, SLA) == ["/api/v1/fir/{fir_number}: P95 100.5 ms over 100 ms"]
    assert "stored" in judge_load_run(replace(GOOD, firs_stored=9), SLA)[0]
    assert "more than one FIR" in judge_load_run(replace(GOOD, duplicate_firs=1), SLA)[0]
    assert "half-finished" in judge_load_run(replace(GOOD, half_finished_sessions=2), SLA)[0]


def test_nothing_measured_or_not_a_number_fails() -> None:
    assert "error rate 1.0000" in judge_load_run(replace(GOOD, requests=0, failures=0), SLA)[0]
    nan = replace(GOOD, p95_ms={"/api/v1/fir/{fir_number}": math.nan})
    assert judge_load_run(nan, SLA) == ["/api/v1/fir/{fir_number}: P95 is nan, not a measurement"]


def test_without_an_error_rate_no_error_is_allowed() -> None:
    unset = LoadTestLimits(endpoints=SLA.endpoints)
    assert "error rate" in judge_load_run(GOOD, unset)[0]


def test_a_parsed_sla_without_a_load_test_table_allows_no_error() -> None:
    sla = parse_sla('["database.Aggregation.time_stats_by_status"]\np95_ms = 50\n', "sla.toml")
    assert sla.load_test.max_error_rate == 0
    assert "error rate" in judge_load_run(GOOD, sla.load_test)[0]
