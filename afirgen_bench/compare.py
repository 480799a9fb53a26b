"""The regression gate: base against head, benchmark by benchmark.

The unit of evidence is a round (one process), not a call: calls within a process share its
luck, so testing thousands of them as independent overstates certainty (an unchanged commit
came out "significant" at p = 1e-50). Each side is summarised by its fastest round median
(bursts of interference slow whole rounds, never speed them up), and the shift is the log
ratio of the two. Whether a shift is beyond noise is judged against that benchmark's noise on
this machine, calibrated by A/A runs (``calibration/<machine>.json``); uncalibrated, the
bare threshold decides. ``track_`` numbers are single figures: gated only when calibrated or
exact (``deterministic``). See ``gate.toml``.
"""

from __future__ import annotations

import math
import statistics
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from afirgen_bench.errors import HarnessError
from afirgen_bench.results import Measurement, ResultSet
from afirgen_bench.stats import Detection, Shift, fastest_round_shift, single_shift

if TYPE_CHECKING:
    from afirgen_bench.calibration import Calibration, Noise

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
    power: float = 0.99
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
        known = {"threshold", "alpha", "power", "higher_is_better", "deterministic", "advisory"}
        if unknown := set(raw) - known:
            raise HarnessError(f"{path}: unknown settings {sorted(unknown)}")
        numbers = {
            name: raw.get(name, getattr(cls, name)) for name in ("threshold", "alpha", "power")
        }
        for name, value in numbers.items():
            if not (isinstance(value, int | float) and 0 < value < 1):
                raise HarnessError(f"{path}: {name} must be a number between 0 and 1")
        return cls(
            threshold=float(numbers["threshold"]),
            alpha=float(numbers["alpha"]),
            power=float(numbers["power"]),
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
    detection: Detection | None = None  # what this comparison could tell apart
    noise_source: str | None = None  # "calibrated", "exact" or "uncalibrated"
    advisory: bool = False
    advisory_reason: str | None = None

    @property
    def gates(self) -> bool:
        """True if this change fails the gate."""
        return self.verdict == REGRESSION and not self.advisory

    @property
    def minimum_effect(self) -> float | None:
        """The smallest change this comparison catches; None when nobody measured the noise."""
        if self.detection is None or self.noise_source == "uncalibrated":
            return None
        return self.detection.minimum_effect


def _figure(m: Measurement) -> float | None:
    if m.samples:
        return statistics.median(m.samples)
    return m.value


def measure_shift(base: Measurement, head: Measurement) -> Shift | None:
    """Head against base: fastest round against fastest round when both have rounds, else
    the two figures."""
    before, after = base.round_medians(), head.round_medians()
    if before and after:
        return fastest_round_shift(before, after)
    first, second = _figure(base), _figure(head)
    if not first or not second or first <= 0 or second <= 0:
        return None
    return single_shift(first, second)


def detection_for(benchmark: str, gate: GateConfig, noise: Noise | None) -> tuple[Detection, str]:
    """The noise to judge a shift against, and where it comes from. Without a calibration
    the gate falls back to the bare threshold (its false-alarm rate then unknown)."""
    settings = {"alpha": gate.alpha, "power": gate.power, "threshold": gate.threshold}
    if benchmark in gate.deterministic:
        return Detection(sigma=0.0, **settings), "exact"
    if noise is not None:
        return Detection(sigma=noise.sigma, **settings), "calibrated"
    return Detection(sigma=0.0, **settings), "uncalibrated"


def compare_one(
    base: Measurement | None,
    head: Measurement | None,
    gate: GateConfig,
    calibration: Calibration | None = None,
) -> Change:
    some = head or base
    assert some is not None
    listed = some.benchmark in gate.advisory

    def make(verdict: str) -> Change:
        reason = "listed as advisory in gate.toml" if listed else None
        return Change(
            some.key, some.benchmark, verdict, base, head, advisory=listed, advisory_reason=reason
        )

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
    shift = measure_shift(base, head)
    if shift is None:
        return make(INCOMPARABLE)
    noise = calibration.noise.get(some.key) if calibration else None
    detection, source = detection_for(some.benchmark, gate, noise)
    worse_by = -shift.log_ratio if some.benchmark in gate.higher_is_better else shift.log_ratio
    beyond_threshold = abs(shift.log_ratio) > math.log1p(gate.threshold)
    if source == "uncalibrated" and head.kind == "track":
        verdict = UNCERTAIN if beyond_threshold else UNCHANGED  # one noisy number, no test
    elif worse_by > detection.limit:
        verdict = REGRESSION
    elif -worse_by > detection.limit:
        verdict = IMPROVEMENT
    else:
        verdict = UNCERTAIN if beyond_threshold else UNCHANGED
    reason = _advisory_reason(listed, detection, source, head.kind, gate)
    return Change(
        some.key,
        some.benchmark,
        verdict,
        base,
        head,
        ratio=shift.ratio,
        detection=detection,
        noise_source=source,
        advisory=reason is not None,
        advisory_reason=reason,
    )


def _advisory_reason(
    listed: bool, detection: Detection, source: str, kind: str, gate: GateConfig
) -> str | None:
    if listed:
        return "listed as advisory in gate.toml"
    if source == "uncalibrated" and kind == "track":
        return "a single noisy figure with no calibration"
    if not detection.gating:
        return (
            f"noise ({source}): detects {detection.minimum_effect:.1%} or more, "
            f"not {gate.threshold:.0%}"
        )
    return None


def compare(
    base: ResultSet, head: ResultSet, gate: GateConfig, calibration: Calibration | None = None
) -> list[Change]:
    keys = list(dict.fromkeys([*base.measurements, *head.measurements]))
    return [
        compare_one(base.measurements.get(k), head.measurements.get(k), gate, calibration)
        for k in keys
    ]
