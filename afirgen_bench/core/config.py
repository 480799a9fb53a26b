"""The judge's inputs that people edit: ``gate.toml``, ``sla.toml`` and calibrations.

Each is validated with a strict pydantic model (no type coercion, unknown keys refused,
no NaN) before anything is judged; a file that does not fit is a ``HarnessError`` naming
the file, the key and what was wrong. The caller hands in text, so the same check applies
to the working tree's files and to the base commit's (the PR check's trusted copy).
"""

from __future__ import annotations

import json
import tomllib
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from afirgen_bench.core.errors import HarnessError

Fraction = Annotated[float, Field(gt=0, lt=1)]
Positive = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False, frozen=True)


class GateConfig(_Strict):
    """``gate.toml``: how a shift becomes a verdict (see the file's own comments)."""

    threshold: Fraction = 0.05
    alpha: Fraction = 0.01
    power: Fraction = 0.99
    # track_ benchmarks whose number is better when higher (asv assumes lower is better)
    higher_is_better: list[str] = []
    # track_ benchmarks whose number is exact for a given commit (seeded, no timing in it)
    deterministic: list[str] = []
    # rates judged by absolute change in their own unit (a relative change from 0 is
    # undefined): benchmark -> the largest worsening allowed
    absolute: dict[str, Positive] = {}
    # ratios of other benchmarks: benchmark -> its parts, which are judged instead
    derived: dict[str, list[str]] = {}
    # deterministic figures by unit (instructions, queries...): the relative change that is
    # flagged, 0 for any change; judged the same within a run and across runs and days
    exact: dict[str, NonNegative] = {}


class Limits(_Strict):
    """One ``sla.toml`` section: per-call limits for time_ benchmarks (from raw samples),
    value limits for track_ benchmarks, in the unit the seed wrote them in."""

    p95_ms: Positive | None = None
    p99_ms: Positive | None = None
    mean_ms: Positive | None = None
    min_throughput: Positive | None = None  # calls per second
    min_value: float | None = None  # track_ benchmarks: the tracked number, in its unit
    max_value: float | None = None
    max_error_rate: NonNegative | None = None  # the load test: failed / all requests
    seed: str | None = None  # the seed benchmark the limits come from

    @property
    def per_call(self) -> bool:
        return any(
            v is not None for v in (self.p95_ms, self.p99_ms, self.mean_ms, self.min_throughput)
        )


CALIBRATION_FORMAT = 2


class Noise(_Strict):
    """One benchmark's A/A noise: ``sigma`` is the standard deviation of one check's
    log-ratio estimate; ``version`` the benchmark version (and so measurement design) it
    was measured with: it applies to results of that version only."""

    sigma: Positive
    runs: Annotated[int, Field(ge=2)]
    largest: float  # the largest A/A shift seen, as a log ratio
    version: str | None


class Spread(_Strict):
    """One deterministic figure's A/A spread: the largest relative difference between the
    same code measured twice (0 when every run agreed exactly)."""

    largest: NonNegative
    runs: Annotated[int, Field(ge=1)]
    unit: str
    version: str | None


class Drift(_Strict):
    """How far this machine moved wall times of unchanged code between runs (days apart,
    or minutes): the largest such shift, as a log ratio. Across runs a wall time is judged
    only beyond it."""

    largest: NonNegative
    pairs: Annotated[int, Field(ge=1)]
    measured_at: str
    source: str  # which results it was measured from


class Calibration(_Strict):
    format: Literal[2] = CALIBRATION_FORMAT
    machine: Annotated[str, Field(min_length=1)]
    measured_at: str
    commit: Annotated[str, Field(pattern=r"^[0-9a-f]{40}$")]
    runs: Annotated[int, Field(ge=2)]
    seconds_per_run: list[NonNegative]
    noise: dict[str, Noise] = {}
    spread: dict[str, Spread] = {}  # deterministic figures (gate.toml [exact] units)
    drift: Drift | None = None
    notes: list[str] = []  # partial recalibrations since

    def merged(self, update: Calibration, bench: str) -> Calibration:
        """This calibration with ``update``'s benchmarks (those ``bench`` selected) replaced."""
        note = (
            f"{len(update.noise)} benchmarks matching {bench!r} recalibrated at "
            f"{update.measured_at} from {update.runs} A/A runs of {update.commit[:8]}"
        )
        return self.model_copy(
            update={
                "noise": {**self.noise, **update.noise},
                "spread": {**self.spread, **update.spread},
                "notes": [*self.notes, note],
            }
        )

    def dumps(self) -> str:
        return json.dumps(self.model_dump(mode="json"), indent=1, sort_keys=True) + "\n"


def _one_line(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(top level)"
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"


def validated(model: type[Any], data: Any, source: str) -> Any:
    """``model`` from ``data``, or a one-line HarnessError naming ``source``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise HarnessError(f"{source} is invalid: {_one_line(exc)}") from exc


def _toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise HarnessError(f"{source} is not valid TOML: {exc}") from exc


def parse_gate(text: str | None, source: str) -> GateConfig:
    """The gate's settings; a missing file means the defaults."""
    if text is None:
        return GateConfig()
    gate: GateConfig = validated(GateConfig, _toml(text, source), source)
    overlap = set(gate.absolute) & (set(gate.deterministic) | set(gate.derived))
    if overlap:
        raise HarnessError(f"{source}: {sorted(overlap)} listed under two judging rules")
    return gate


def parse_sla(text: str | None, source: str) -> dict[str, Limits]:
    if text is None:
        raise HarnessError(f"SLA file {source} does not exist")
    raw = _toml(text, source)
    limits = {}
    for name, table in raw.items():
        if not isinstance(table, dict):
            raise HarnessError(f"{source}: [{name}] must be a table of limits")
        limits[name] = validated(Limits, table, f"{source} [{name}]")
    return limits


def parse_calibration(
    text: str | None, source: str, machine: str
) -> tuple[Calibration | None, str]:
    """The machine's calibration and a note on it; None (uncalibrated) when there is no
    file or it predates the recorded measurement designs. Anything else that does not fit
    is a HarnessError: a broken calibration must never judge."""
    if text is None:
        return None, (
            f"noise: no calibration for {machine}; uncalibrated, every benchmark is judged "
            "against the bare threshold"
        )
    try:
        raw = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HarnessError(
            f"{source} is unreadable ({exc}); run `python -m afirgen_bench calibrate` again"
        ) from exc
    if isinstance(raw, dict) and raw.get("format") == 1:
        return None, (
            f"noise: {source} predates recorded measurement designs (format 1); judged "
            "uncalibrated until `python -m afirgen_bench calibrate` is run again"
        )
    calibration: Calibration = validated(Calibration, raw, source)
    if calibration.machine != machine:
        raise HarnessError(
            f"{source} was measured on {calibration.machine}, not {machine}: "
            "calibrations only hold for their own machine"
        )
    return calibration, (
        f"noise: calibrated on {calibration.machine} at {calibration.measured_at} "
        f"from {calibration.runs} A/A runs of {calibration.commit[:8]}"
    )
