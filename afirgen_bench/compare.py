"""The regression gate: base against head, benchmark by benchmark.

Timings are compared on the median of their raw per-call samples, with a Mann-Whitney U test
for significance; ``track_`` numbers carry no samples: exact ones are judged on their ratio, in
the direction ``gate.toml`` declares, noisy ones can only be "uncertain". See ``gate.toml``.
"""

from __future__ import annotations

import statistics
import tomllib
from dataclasses import dataclass
from pathlib import Path

from afirgen_bench.errors import HarnessError
from afirgen_bench.results import Measurement, ResultSet
from afirgen_bench.stats import different

REGRESSION, IMPROVEMENT, UNCERTAIN, UNCHANGED = (
    "regression",
    "improvement",
    "uncertain",
    "unchanged",
)
UNCONFIRMED = "unconfirmed"  # a regression that did not reproduce when re-run
NEW, GONE, FAILED, FIXED, SKIPPED, INCOMPARABLE = (
    "new",
    "gone",
    "failed",
    "fixed",
    "skipped",
    "not comparable",
)


@dataclass(frozen=True)
class GateConfig:
    threshold: float = 0.05
    alpha: float = 0.01
    higher_is_better: frozenset[str] = frozenset()
    deterministic: frozenset[str] = frozenset()
    advisory: frozenset[str] = frozenset()

    @classmethod
    def load(cls, path: Path) -> GateConfig:
        try:
            raw = tomllib.loads(path.read_text())
        except FileNotFoundError:
            return cls()
        except tomllib.TOMLDecodeError as exc:
            raise HarnessError(f"{path} is not valid TOML: {exc}") from exc
        unknown = set(raw) - {"threshold", "alpha", "higher_is_better", "deterministic", "advisory"}
        if unknown:
            raise HarnessError(f"{path}: unknown settings {sorted(unknown)}")
        threshold, alpha = raw.get("threshold", 0.05), raw.get("alpha", 0.01)
        if not (0 < threshold < 1 and 0 < alpha < 1):
            raise HarnessError(f"{path}: threshold and alpha must be between 0 and 1")
        return cls(
            threshold=float(threshold),
            alpha=float(alpha),
            higher_is_better=frozenset(raw.get("higher_is_better", [])),
            deterministic=frozenset(raw.get("deterministic", [])),
            advisory=frozenset(raw.get("advisory", [])),
        )


@dataclass(frozen=True)
class Change:
    key: str
    benchmark: str
    verdict: str
    base: Measurement | None
    head: Measurement | None
    ratio: float | None = None  # head / base of the compared figure
    p_value: float | None = None
    advisory: bool = False

    @property
    def gates(self) -> bool:
        """True if this change fails the gate."""
        return self.verdict == REGRESSION and not self.advisory


def _figure(m: Measurement) -> float | None:
    if m.samples:
        return statistics.median(m.samples)
    return m.value


def compare_one(base: Measurement | None, head: Measurement | None, gate: GateConfig) -> Change:
    some = head or base
    assert some is not None

    def make(verdict: str, ratio: float | None = None, p_value: float | None = None) -> Change:
        advisory = some.benchmark in gate.advisory
        return Change(some.key, some.benchmark, verdict, base, head, ratio, p_value, advisory)

    if base is None:
        return make(NEW)
    if head is None:
        return make(GONE)
    if head.failed:
        return make(FAILED)
    if base.failed:
        return make(FIXED)
    if head.skipped or base.skipped:
        return make(SKIPPED)
    if base.version != head.version:
        return make(INCOMPARABLE)
    before, after = _figure(base), _figure(head)
    if not before or after is None:
        return make(INCOMPARABLE)
    ratio = after / before
    higher_better = head.benchmark in gate.higher_is_better
    worse = ratio < 1 - gate.threshold if higher_better else ratio > 1 + gate.threshold
    better = ratio > 1 + gate.threshold if higher_better else ratio < 1 - gate.threshold
    if head.kind == "track":  # one number per commit: nothing to test it with
        p_value, significant = None, head.benchmark in gate.deterministic
    else:
        p_value = different(base.samples, head.samples)
        significant = p_value is not None and p_value < gate.alpha
    if worse:
        return make(REGRESSION if significant else UNCERTAIN, ratio=ratio, p_value=p_value)
    if better:
        return make(IMPROVEMENT if significant else UNCERTAIN, ratio=ratio, p_value=p_value)
    return make(UNCHANGED, ratio=ratio, p_value=p_value)


def compare(base: ResultSet, head: ResultSet, gate: GateConfig) -> list[Change]:
    keys = list(dict.fromkeys([*base.measurements, *head.measurements]))
    return [compare_one(base.measurements.get(k), head.measurements.get(k), gate) for k in keys]
