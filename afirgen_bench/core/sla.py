"""One commit's results against ``sla.toml``'s limits.

A section names an asv benchmark (``module.Class.method``) and applies to every parameter
combination unless a more specific section names one (``module.Class.method(10)``). Per-call
limits (P95, P99, mean, throughput) apply to time_ benchmarks whose sample is one call;
value limits to track_ benchmarks. A limit of the wrong kind is a configuration error, and
a percentile is only judged from enough samples to estimate it (P99 needs 500).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from afirgen_bench.core.config import Limits, LoadTestLimits
from afirgen_bench.core.errors import HarnessError
from afirgen_bench.core.models import Kind, Measurement, ResultSet
from afirgen_bench.core.stats import describe, samples_needed


class SlaStatus(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NO_DATA = "no data"  # skipped at this commit (the feature is not there)
    CANNOT_JUDGE = "cannot judge"  # failed, or NaN / non-positive figures


@dataclass(frozen=True)
class Breach:
    limit: str
    allowed: float
    measured: float

    def __str__(self) -> str:
        if self.limit == "min_throughput":
            return f"throughput {self.measured:.1f}/s below {self.allowed:g}/s"
        if self.limit == "min_value":
            return f"value {self.measured:.3g} below {self.allowed:g}"
        over = self.measured / self.allowed if self.allowed else float("inf")
        return f"{self.limit} {self.measured:.3f} over {self.allowed:g} ({over:.2f}x)"


@dataclass(frozen=True)
class SlaVerdict:
    key: str
    status: SlaStatus
    breaches: tuple[Breach, ...] = ()
    reason: str = ""  # limits not judged, or why there is no verdict


PERCENTILES = {"p95_ms": 0.95, "p99_ms": 0.99}
PER_CALL = ("p95_ms", "p99_ms", "mean_ms", "min_throughput")


def limits_for(measurement: Measurement, sla: dict[str, Limits]) -> Limits | None:
    return sla.get(measurement.key) or sla.get(measurement.benchmark)


def check(measurement: Measurement, limits: Limits) -> SlaVerdict:
    """Pass, fail (which limit, by how much), no data or cannot judge."""
    key = measurement.key
    if measurement.failed:
        return SlaVerdict(key, SlaStatus.CANNOT_JUDGE, reason="the benchmark failed")
    if measurement.problem:
        return SlaVerdict(key, SlaStatus.CANNOT_JUDGE, reason=measurement.problem)
    if measurement.skipped:
        return SlaVerdict(key, SlaStatus.NO_DATA, reason="skipped at this commit")
    if measurement.kind is Kind.TRACK:
        if limits.per_call:
            raise HarnessError(
                f"sla.toml: {key} is a track_ benchmark; per-call limits (p95_ms, p99_ms, "
                "mean_ms, min_throughput) need a time_ benchmark: use min_value / max_value"
            )
        return _check_value(measurement, limits)
    if limits.min_value is not None or limits.max_value is not None:
        raise HarnessError(
            f"sla.toml: {key} is a time_ benchmark; min_value / max_value are for track_"
        )
    design = measurement.design
    if design is not None and design.number != 1:
        raise HarnessError(
            f"sla.toml: {key} times {design.number} calls per sample; per-call limits (p95_ms, "
            "p99_ms, mean_ms, min_throughput) need one call per sample: put the limit on a "
            "track_ figure measured per call"
        )
    if not measurement.samples:
        return SlaVerdict(
            key, SlaStatus.CANNOT_JUDGE, reason="no raw samples (run with --record-samples)"
        )
    s = describe(measurement.rounds or [measurement.samples])
    breaches, unjudged = [], []
    for limit, measured in (
        ("p95_ms", s.p95 * 1e3),
        ("p99_ms", s.p99 * 1e3),
        ("mean_ms", s.mean * 1e3),
    ):
        allowed = getattr(limits, limit)
        if allowed is None:
            continue
        if limit in PERCENTILES and s.count < (needed := samples_needed(PERCENTILES[limit])):
            unjudged.append(f"{limit} not judged: {s.count} samples, it needs {needed}")
        elif measured > allowed:
            breaches.append(Breach(limit, allowed, measured))
    if limits.min_throughput is not None and s.ops_per_s < limits.min_throughput:
        breaches.append(Breach("min_throughput", limits.min_throughput, s.ops_per_s))
    given = sum(getattr(limits, name) is not None for name in PER_CALL)
    if not breaches and unjudged and len(unjudged) == given:
        # every limit it has went unjudged: a pass here would be a pass of nothing
        return SlaVerdict(key, SlaStatus.CANNOT_JUDGE, reason="; ".join(unjudged))
    status = SlaStatus.FAIL if breaches else SlaStatus.PASS
    return SlaVerdict(key, status, tuple(breaches), "; ".join(unjudged))


def _check_value(measurement: Measurement, limits: Limits) -> SlaVerdict:
    value = measurement.value
    if value is None:
        raise ValueError("a track_ benchmark that ran has a value")
    breaches = []
    if limits.min_value is not None and value < limits.min_value:
        breaches.append(Breach("min_value", limits.min_value, value))
    if limits.max_value is not None and value > limits.max_value:
        breaches.append(Breach("max_value", limits.max_value, value))
    status = SlaStatus.FAIL if breaches else SlaStatus.PASS
    return SlaVerdict(measurement.key, status, tuple(breaches))


def check_all(results: ResultSet, sla: dict[str, Limits]) -> list[SlaVerdict]:
    verdicts = []
    for measurement in results.measurements.values():
        limits = limits_for(measurement, sla)
        if limits is not None:
            verdicts.append(check(measurement, limits))
    return verdicts


def idle_sections(results: ResultSet, sla: dict[str, Limits]) -> list[str]:
    """Sections that limit no figure of ``results`` (a benchmark not run here, a scale not
    measured, a load-test section): listed, so a misdirected section is seen."""
    used = set()
    for measurement in results.measurements.values():
        if measurement.key in sla:
            used.add(measurement.key)
        elif measurement.benchmark in sla:
            used.add(measurement.benchmark)
    return [name for name in sla if name not in used]


@dataclass(frozen=True)
class LoadRun:
    """What a load run measured that ``sla.toml``'s ``load`` sections judge."""

    requests: int
    failures: int
    p95_ms: Mapping[str, float]  # by endpoint, as the load test names them
    firs_created: int
    firs_stored: int
    duplicate_firs: int
    half_finished_sessions: int


def judge_load_run(run: LoadRun, limits: LoadTestLimits) -> list[str]:
    """What the run did wrong: errors beyond the run's limit (none by default), an endpoint's
    P95 over its limit or not a number, and any FIR lost, doubled or left half-finished."""
    problems = []
    max_error_rate = limits.max_error_rate
    error_rate = run.failures / run.requests if run.requests else 1.0
    if error_rate > max_error_rate:
        problems.append(
            f"{run.failures} of {run.requests} requests failed "
            f"(error rate {error_rate:.4f} over {max_error_rate:g})"
        )
    for name, p95 in run.p95_ms.items():
        endpoint = limits.endpoints.get(name)
        if endpoint is None:
            continue
        if not math.isfinite(p95):
            problems.append(f"{name}: P95 is {p95}, not a measurement")
        elif p95 > endpoint.p95_ms:
            problems.append(f"{name}: P95 {p95:.1f} ms over {endpoint.p95_ms:g} ms")
    if run.firs_stored != run.firs_created:
        problems.append(f"{run.firs_created} FIRs created but {run.firs_stored} stored")
    if run.duplicate_firs:
        problems.append(f"{run.duplicate_firs} session(s) hold more than one FIR")
    if run.half_finished_sessions:
        problems.append(f"{run.half_finished_sessions} session(s) left half-finished")
    return problems
