"""The SLA file: per-benchmark limits, and the verdict of one commit's results against them.

``sla.toml`` at the repository root is versioned and meant to be edited by hand. A section
names an asv benchmark (``module.Class.method``); it applies to every parameter combination
unless a more specific section names one (``module.Class.method(10, 100000)``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from afirgen_bench.errors import HarnessError
from afirgen_bench.results import Measurement, ResultSet
from afirgen_bench.stats import describe

KNOWN_LIMITS = {
    "p95_ms",
    "p99_ms",
    "mean_ms",
    "min_throughput",
    "min_value",
    "max_value",
    "max_error_rate",
    "seed",
}


@dataclass(frozen=True)
class Limits:
    p95_ms: float | None = None
    p99_ms: float | None = None
    mean_ms: float | None = None
    min_throughput: float | None = None  # calls per second
    min_value: float | None = None  # track_ benchmarks: the tracked number, in its unit
    max_value: float | None = None
    max_error_rate: float | None = None  # the load test: failed / all requests
    seed: str | None = None  # the seed benchmark the limits come from


@dataclass(frozen=True)
class Breach:
    limit: str
    allowed: float
    measured: float

    def __str__(self) -> str:
        over = self.measured / self.allowed if self.allowed else float("inf")
        if self.limit == "min_throughput":
            return f"throughput {self.measured:.1f}/s below {self.allowed:g}/s"
        if self.limit == "min_value":
            return f"value {self.measured:.3g} below {self.allowed:g}"
        return f"{self.limit} {self.measured:.3f} over {self.allowed:g} ({over:.2f}x)"


@dataclass(frozen=True)
class SlaVerdict:
    key: str
    status: str  # "pass", "fail", "no data"
    breaches: tuple[Breach, ...] = ()
    reason: str = ""


def load_sla(path: Path) -> dict[str, Limits]:
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError as exc:
        raise HarnessError(f"SLA file {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise HarnessError(f"SLA file {path} is not valid TOML: {exc}") from exc
    limits = {}
    for name, table in raw.items():
        if not isinstance(table, dict):
            raise HarnessError(f"SLA file {path}: [{name}] must be a table of limits")
        unknown = set(table) - KNOWN_LIMITS
        if unknown:
            raise HarnessError(
                f"SLA file {path}: [{name}] has unknown limits {sorted(unknown)}; "
                f"known: {sorted(KNOWN_LIMITS)}"
            )
        try:
            limits[name] = Limits(**table)
        except TypeError as exc:
            raise HarnessError(f"SLA file {path}: [{name}] {exc}") from exc
    return limits


def limits_for(measurement: Measurement, sla: dict[str, Limits]) -> Limits | None:
    return sla.get(measurement.key) or sla.get(measurement.benchmark)


def check(measurement: Measurement, limits: Limits) -> SlaVerdict:
    """Pass, fail (which limit, by how much) or no data, from per-call samples."""
    if measurement.failed:
        return SlaVerdict(measurement.key, "no data", reason="the benchmark failed")
    if measurement.skipped:
        return SlaVerdict(measurement.key, "no data", reason="skipped at this commit")
    if measurement.kind == "track":
        return _check_value(measurement, limits)
    if not measurement.samples:
        return SlaVerdict(
            measurement.key, "no data", reason="no raw samples (run with --record-samples)"
        )
    s = describe(measurement.samples)
    breaches = []
    for limit, measured in (
        ("p95_ms", s.p95 * 1e3),
        ("p99_ms", s.p99 * 1e3),
        ("mean_ms", s.mean * 1e3),
    ):
        allowed = getattr(limits, limit)
        if allowed is not None and measured > allowed:
            breaches.append(Breach(limit, allowed, measured))
    if limits.min_throughput is not None and s.ops_per_s < limits.min_throughput:
        breaches.append(Breach("min_throughput", limits.min_throughput, s.ops_per_s))
    return SlaVerdict(measurement.key, "fail" if breaches else "pass", tuple(breaches))


def _check_value(measurement: Measurement, limits: Limits) -> SlaVerdict:
    value = measurement.value
    assert value is not None
    breaches = []
    if limits.min_value is not None and value < limits.min_value:
        breaches.append(Breach("min_value", limits.min_value, value))
    if limits.max_value is not None and value > limits.max_value:
        breaches.append(Breach("max_value", limits.max_value, value))
    return SlaVerdict(measurement.key, "fail" if breaches else "pass", tuple(breaches))


def check_all(results: ResultSet, sla: dict[str, Limits]) -> list[SlaVerdict]:
    verdicts = []
    for measurement in results.measurements.values():
        limits = limits_for(measurement, sla)
        if limits is not None:
            verdicts.append(check(measurement, limits))
    return verdicts
