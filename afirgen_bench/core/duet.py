"""Duet evidence: wall times of two commits measured at the same time, judged on their paired
ratios.

Bulej et al. (ICPE 2020) run the two versions together on one machine so that interference
hits both; Abedi and Brecht (ICPE 2017) interleave at the finest level the design allows. A
duet here takes each sample of base and head side by side (``Schedule.PARALLEL``) or one right
after the other in an order drawn per pair (``Schedule.ALTERNATE``), in fresh processes per
round, and keeps every pair. A pair's log ratio cancels whatever slowed the machine at that
moment; the machine's drift between runs (1.5-2.2x here) never enters.

The estimate is the mean over rounds of each round's trimmed mean pair log ratio (a round is
one process per side: calls within it share its luck). Its standard error comes from the pairs
themselves (per round) and, with several rounds, from how far the rounds disagree; a
calibration of A/A duets (``calibrate duets``) can only raise it.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import replace
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, model_validator

from afirgen_bench.core.change import Change, shift_verdict
from afirgen_bench.core.config import Calibration, GateConfig, Noise, StrictModel
from afirgen_bench.core.models import NoiseSource, Verdict, result_key
from afirgen_bench.core.stats import Detection, Shift

DUET_FORMAT = 1
# What one call here can take: nothing below a nanosecond, nothing beyond a benchmark's
# 1,800-s timeout; a track_ figure (a P95 in ms, requests per second) up to 1e9.
VALUE_MIN, VALUE_MAX = 1e-9, 1e9
# Each round's estimate is the mean of its pair log ratios with the lowest and highest TRIM of
# them left out: the pairs a stray interrupt hit fall in the tails it drops, and it uses the
# rest better than the median does (efficiency ~0.94 against 0.64 for normal pairs). Its
# standard error comes from the winsorised spread (Tukey and McLaughlin, 1963).
TRIM = 0.2
MIN_PAIRS = 3  # fewer pairs say nothing about their own spread

Value = Annotated[float, Field(ge=VALUE_MIN, le=VALUE_MAX, allow_inf_nan=False)]
Sha = Annotated[str, Field(pattern=r"^[0-9a-f]{40}$")]
Pair = Annotated[list[Value], Field(min_length=2, max_length=2)]  # [base, head]


class Schedule(StrEnum):
    """How a pair's two samples are taken."""

    PARALLEL = "parallel"  # at the same moment, one process per commit (the duet proper)
    ALTERNATE = "alternate"  # one right after the other, in an order drawn per pair


# The design every command uses unless told otherwise: one sample right after the other
# (on this 2-CPU machine, pairs taken at the same moment share one CPU with the servers or
# split them unevenly), each round in fresh processes.
DUET_SCHEDULE = Schedule.ALTERNATE
# Rounds in fresh processes: in A/A duets of the 4-round design (2026-12-06), a round's
# pairs gave its shift to ~0.6 %, but the rounds (each process with its own memory layout)
# disagreed by 1-3 % (their standard deviation), so the duet's error was the spread between
# rounds over sqrt(4). Ten shorter rounds cost about as much and divide it by sqrt(10).
DUET_ROUNDS = 10
# A benchmark takes pairs for DUET_PAIRS_FOR_S per round, and longer (up to
# DUET_PAIRS_FOR_MAX_S) while its round's standard error is above DUET_ROUND_ERROR: the noisy
# ones get the time, the steady ones do not waste it. Ten rounds at 2 % give the mean 0.63 %.
DUET_PAIRS_FOR_S = 0.4
DUET_PAIRS_FOR_MAX_S = 0.8
DUET_ROUND_ERROR = 0.02
# Each side calls a benchmark for this long after its set-up before its pairs start.
DUET_WARMUP_S = 0.1


class DuetFigure(StrictModel):
    """One benchmark (one parameter combination) measured in duet."""

    benchmark: Annotated[str, Field(min_length=1)]
    params: list[str] = Field(default_factory=list)
    unit: Annotated[str, Field(min_length=1)]
    version: str | None
    # (base, head): seconds per call, or the tracked value; and the round of each pair
    pairs: list[Pair] = Field(default_factory=list)
    rounds: list[Annotated[int, Field(ge=0)]] = Field(default_factory=list)
    problem: str | None = None  # why there are no pairs (failed or skipped on a side)

    @model_validator(mode="after")
    def _evidence_or_reason(self) -> DuetFigure:
        if len(self.rounds) != len(self.pairs):
            raise ValueError(f"{len(self.pairs)} pairs but {len(self.rounds)} round numbers")
        if self.problem is None and len(self.pairs) < MIN_PAIRS:
            raise ValueError(f"{len(self.pairs)} pairs and no problem named: too few to judge")
        return self

    @property
    def key(self) -> str:
        return result_key(self.benchmark, self.params)


class DuetRecord(StrictModel):
    """Everything one duet of ``base`` and ``head`` measured, pair by pair."""

    format: Literal[1] = DUET_FORMAT
    machine: Annotated[str, Field(min_length=1)]
    base: Sha
    head: Sha
    schedule: Annotated[Schedule, Field(strict=False)]  # read from its JSON string
    design: Annotated[str, Field(min_length=1)]  # how the pairs were taken (noise holds for it)
    measured_at: str
    seconds: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    figures: dict[str, DuetFigure]

    @model_validator(mode="after")
    def _keys_match(self) -> DuetRecord:
        if not self.figures:
            raise ValueError("no figures: a duet that measured nothing judges nothing")
        for key, figure in self.figures.items():
            if figure.key != key:
                raise ValueError(f"figure {key!r} describes {figure.key!r}")
        return self


def round_estimate(ratios: list[float]) -> tuple[float, float]:
    """One round's shift (the trimmed mean of its pair log ratios) and its standard error."""
    ordered = sorted(ratios)
    count = len(ordered)
    cut = int(TRIM * count)
    kept = ordered[cut : count - cut]
    winsorised = [kept[0]] * cut + kept + [kept[-1]] * cut
    spread = statistics.stdev(winsorised) if count > 1 else 0.0
    return statistics.fmean(kept), spread / ((1 - 2 * cut / count) * math.sqrt(count))


def paired_shift(figure: DuetFigure) -> tuple[Shift, float]:
    """The head's shift against the base and its standard error, both as log ratios: the
    mean of the rounds' estimates; the error is the larger of what the pairs within the
    rounds and what the spread between the rounds say."""
    by_round: dict[int, list[float]] = {}
    for (before, after), round_ in zip(figure.pairs, figure.rounds, strict=True):
        by_round.setdefault(round_, []).append(math.log(after / before))
    estimates = [round_estimate(ratios) for ratios in by_round.values()]
    centres = [centre for centre, _error in estimates]
    count = len(estimates)
    within = math.sqrt(sum(error * error for _centre, error in estimates) / count) / math.sqrt(
        count
    )
    between = statistics.stdev(centres) / math.sqrt(count) if count > 1 else 0.0
    return Shift(statistics.fmean(centres)), max(within, between)


def noise_version(figure: DuetFigure, design: str) -> str:
    """What a duet's calibrated noise holds for: the benchmark's version and the design."""
    return f"{figure.version} | {design}"


def duet_noise(calibration: Calibration | None, figure: DuetFigure, design: str) -> Noise | None:
    """The A/A duet noise calibrated for this figure's version and this duet design."""
    if calibration is None:
        return None
    noise = calibration.duet.get(figure.key)
    if noise is None or noise.version != noise_version(figure, design):
        return None
    return noise


def judge_pairs(
    change: Change,
    figure: DuetFigure,
    gate: GateConfig,
    calibration: Calibration | None,
    design: str,
) -> Change:
    """``change`` (a wall time judged from result files) judged again on its duet pairs."""
    if figure.problem is not None:
        return replace(
            change,
            verdict=Verdict.INVALID,
            ratio=None,
            detection=None,
            noise_source=None,
            reason=f"the duet could not measure it: {figure.problem}",
        )
    shift, error = paired_shift(figure)
    noise = duet_noise(calibration, figure, design)
    sigma = max(error, noise.sigma if noise else 0.0)
    detection = Detection(sigma=sigma, alpha=gate.alpha, power=gate.power, threshold=gate.threshold)
    higher_is_better = change.benchmark in gate.higher_is_better
    return replace(
        change,
        verdict=shift_verdict(shift, detection, gate, higher_is_better),
        ratio=shift.ratio,
        detection=detection,
        noise_source=NoiseSource.DUET,
        reason=f"{len(figure.pairs)} pairs in {len(set(figure.rounds))} round(s)",
    )


def judged_in_duet(change: Change) -> bool:
    """Whether ``change`` is a wall time the gate judged from result files (or could not,
    across runs): the kind of figure a duet judges instead."""
    return change.verdict is Verdict.ACROSS_RUNS or change.noise_source in (
        NoiseSource.CALIBRATED,
        NoiseSource.UNCALIBRATED,
    )


def leave_across_runs(changes: list[Change]) -> list[Change]:
    """Every wall time from different runs that no duet judged stays unjudged (the counted
    figures still judge the pair)."""
    why = "a wall time from another run that no duet of the pair measured: not judged"
    return [
        replace(
            c,
            verdict=Verdict.ACROSS_RUNS,
            ratio=None,
            detection=None,
            noise_source=None,
            reason=why,
        )
        if judged_in_duet(c)
        else c
        for c in changes
    ]


def apply_duet(
    changes: list[Change],
    record: DuetRecord,
    gate: GateConfig,
    calibration: Calibration | None,
) -> list[Change]:
    """Every wall time the duet measured judged on its pairs; the others keep their verdict
    (a duet file that leaves a figure out cannot take it away from the gate)."""
    return [
        judge_pairs(change, record.figures[change.key], gate, calibration, record.design)
        if judged_in_duet(change) and change.key in record.figures
        else change
        for change in changes
    ]
