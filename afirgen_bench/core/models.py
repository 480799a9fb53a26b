"""The judging core's vocabulary: measurements of one commit, and the closed sets of verdicts
and noise sources the gate speaks in."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from afirgen_bench.core.errors import ExitCode


class Outcome(StrEnum):
    """What a verdict does to the check."""

    PASSES = "passes"
    FAILS = "fails"  # exit 1
    CANNOT_JUDGE = "cannot judge"  # exit 2


class Side(StrEnum):
    """The two commits of a comparison."""

    BASE = "base"
    HEAD = "head"


class Verdict(StrEnum):
    """One benchmark's verdict, base against head."""

    REGRESSION = "regression"
    IMPROVEMENT = "improvement"
    UNCERTAIN = "uncertain"  # beyond the threshold but within the noise
    UNCHANGED = "unchanged"
    UNCONFIRMED = "unconfirmed"  # flagged once, not again when re-run
    NEW = "new"  # only at head
    FIXED = "fixed"  # failed at base, ran at head
    SKIPPED = "skipped"  # skipped at both: the feature is not in either commit
    DERIVED = "derived"  # a ratio of other benchmarks: judged through its parts
    INCOMPARABLE = "not comparable"  # the benchmark's version (its meaning) changed
    # a counted figure whose version changed: judged by nobody until its base is counted
    # again with the same suite (the PR check always counts both sides afresh)
    RECOUNT = "count not comparable"
    ACROSS_RUNS = "not judged across runs"  # a wall time from another run, no duet of the pair
    SLA_ONLY = "judged by the SLA only"  # one noisy figure per run (gate.toml sla_only)
    FAILED = "failed"  # failed at head
    GONE = "gone"  # at base, missing at head
    NOT_RUN = "not run"  # ran at base, skipped at head
    INVALID = "invalid"  # NaN, infinite or non-positive figures, or no way to compare

    @property
    def outcome(self) -> Outcome:
        if self is Verdict.REGRESSION:
            return Outcome.FAILS
        if self in (
            Verdict.FAILED,
            Verdict.GONE,
            Verdict.NOT_RUN,
            Verdict.INVALID,
            Verdict.RECOUNT,
        ):
            return Outcome.CANNOT_JUDGE
        return Outcome.PASSES

    @property
    def exit_code(self) -> ExitCode:
        return {
            Outcome.PASSES: ExitCode.OK,
            Outcome.FAILS: ExitCode.VERDICT_FAILED,
            Outcome.CANNOT_JUDGE: ExitCode.CANNOT_JUDGE,
        }[self.outcome]


class NoiseSource(StrEnum):
    """Where the noise a shift is judged against comes from."""

    CALIBRATED = "calibrated"  # A/A runs on this machine (calibration/<machine>.json)
    EXACT = "exact"  # a seeded figure with no timing in it
    UNCALIBRATED = "uncalibrated"  # nobody measured it: the bare threshold decides
    ABSOLUTE = "absolute"  # a rate judged by an absolute limit in its own unit (gate.toml)
    DUET = "duet"  # paired samples of base and head taken together (results-duet/)


class Kind(StrEnum):
    """asv's benchmark types this harness judges."""

    TIME = "time"
    TRACK = "track"
    PEAKMEMORY = "peakmemory"
    MEMORY = "mem"

    @classmethod
    def of(cls, name: str, declared: str | None) -> Kind:
        """The declared type, else the one asv derives from the method's prefix."""
        prefix = declared or name.rsplit(".", 1)[-1].split("_", 1)[0]
        try:
            return cls(prefix)
        except ValueError:
            return cls.TRACK


# How the suite declares a figure counted rather than timed: the word "cost" in its asv
# version (benchmarks/cost.py); a timed figure's version names its design instead. A unit
# alone ("queries") does not make a figure exact: an average over a load run has it too.
COUNTED_DECLARATION = "cost"
# The most any operation here could count per call (1.6e9 instructions is the largest seen,
# 500 sequential status requests, SustainedLoad); a figure beyond it was not measured.
COUNT_MAX = 1e12
# Units in which a counted figure of zero means the counter broke: every operation runs
# instructions (a query, a command or a byte may legitimately be none).
NEVER_ZERO_UNITS = frozenset({"instructions"})
# Units of track_ figures that are durations (a P95 in ms): zero cannot be measured.
DURATION_UNITS = frozenset({"ms", "seconds"})
# What a clock here can measure: nothing below a nanosecond, nothing beyond a benchmark's
# 1,800 s timeout (asv's values are seconds; track_ durations in ms).
SECONDS_MIN, SECONDS_MAX = 1e-9, 1800.0
TO_SECONDS = {"seconds": 1.0, "ms": 1e-3}


def result_key(benchmark: str, params: Sequence[str]) -> str:
    """A figure's key as asv's results spell it: ``name(p1, p2)``, or the bare name."""
    return f"{benchmark}({', '.join(params)})" if params else benchmark


def declared_counted(version: str | None) -> bool:
    """Whether a benchmark version declares a counted (exact) figure."""
    return COUNTED_DECLARATION in (version or "").split()


_DESIGN = {name: re.compile(rf"\b{name}=(\d+)\b") for name in ("rounds", "repeat", "number")}


@dataclass(frozen=True)
class Design:
    """How a benchmark was measured, read from the version asv stored with its result
    (``benchmarks/common.py`` writes ``"<suite> rounds=R repeat=N number=K"``). Results
    from before designs were recorded have none: their samples are judged as one pool."""

    rounds: int
    repeat: int
    number: int

    @classmethod
    def from_version(cls, version: str | None) -> Design | None:
        if not version:
            return None
        found = {name: pattern.search(version) for name, pattern in _DESIGN.items()}
        if not all(found.values()):
            return None
        values = {name: int(match.group(1)) for name, match in found.items() if match}
        if min(values.values()) < 1:
            return None
        return cls(**values)


@dataclass(frozen=True)
class Measurement:
    """One benchmark at one parameter combination, at one commit."""

    benchmark: str
    params: tuple[str, ...]
    kind: Kind
    unit: str
    value: float | None  # asv's median (or the tracked value); None if it failed
    skipped: bool
    samples: tuple[float, ...] = ()
    version: str | None = None
    declared_counted: bool = False  # the suite's index declares the benchmark counted

    @property
    def key(self) -> str:
        return result_key(self.benchmark, self.params)

    @property
    def failed(self) -> bool:
        return self.value is None and not self.skipped

    @property
    def design(self) -> Design | None:
        return Design.from_version(self.version)

    @property
    def counted(self) -> bool:
        """A figure the suite declares counted (instructions, queries... per operation), in
        its index or in the version it was measured with: either is enough, so an edited
        version cannot turn a count into a noisy figure."""
        return self.declared_counted or declared_counted(self.version)

    @property
    def rounds(self) -> list[tuple[float, ...]] | None:
        """The samples split back into rounds (processes), when the recorded design says
        how and the samples fit it; otherwise None."""
        design = self.design
        if design is None or design.rounds < 2 or not self.samples:
            return None
        if len(self.samples) % design.rounds:
            return None
        size = len(self.samples) // design.rounds
        return [self.samples[i * size : (i + 1) * size] for i in range(design.rounds)]

    @property
    def problem(self) -> str | None:
        """Why this figure cannot be trusted, or None: a NaN or infinite sample or value,
        or a time that is zero or negative."""
        if self.failed or self.skipped:
            return None
        figures = [self.value, *self.samples]
        if any(not math.isfinite(f) for f in figures if f is not None):
            return "a NaN or infinite figure"
        if self.kind is not Kind.TRACK and any(f is not None and f <= 0 for f in figures):
            return "a time or size of zero or below"
        if self.counted and (count := self._impossible_count()):
            return count
        if self.unit in DURATION_UNITS and any(f is not None and f <= 0 for f in figures):
            return f"a duration of zero or below ({self.value:g} {self.unit})"
        if (scale := TO_SECONDS.get(self.unit)) is not None:
            seconds = [f * scale for f in figures if f is not None]
            if any(not SECONDS_MIN <= f <= SECONDS_MAX for f in seconds):
                return f"a duration no clock here measures ({self.value:g} {self.unit})"
        if self.kind is Kind.TRACK and self.value is not None:
            if self.value < 0:
                return f"a negative figure ({self.value:g} {self.unit}): none here can be"
            if self.unit == "%" and self.value > 100:
                return f"{self.value:g} %, more than all"
        design = self.design
        if self.samples and design:
            expected = design.rounds * design.repeat
            if len(self.samples) != expected:
                return (
                    f"{len(self.samples)} of its {expected} samples: a round did not run "
                    "(asv does not always name the failure)"
                )
        return None

    def _impossible_count(self) -> str | None:
        value = self.value
        if value is None:
            return None
        if value < 0:
            return f"a negative count ({value:g} {self.unit})"
        if value < 1 and self.unit in NEVER_ZERO_UNITS:
            return f"{value:g} {self.unit} per call: every operation runs some"
        if value > COUNT_MAX:
            return f"{value:g} {self.unit} per call, more than any operation could count"
        return None


@dataclass
class ResultSet:
    """One commit's results on one machine; ``span`` is when they were measured (first
    start to last end, epoch milliseconds), if asv recorded it."""

    commit: str
    machine: str
    path: Path
    measurements: dict[str, Measurement] = field(default_factory=dict)
    span: tuple[int, int] | None = None

    def failed(self) -> list[Measurement]:
        return [m for m in self.measurements.values() if m.failed]

    def invalid(self) -> list[Measurement]:
        return [m for m in self.measurements.values() if m.problem]
