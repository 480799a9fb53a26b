"""Reading asv's result files into measurements, validated before anything is judged.

A result file is ``results/<machine>/<sha8>-<env>.json``: asv writes ``NaN`` for a skipped
benchmark, ``null`` for a failed one, and raw samples only when asked (``--record-samples``).
The file must be of the commit and machine asked for; its shape is checked with pydantic
(strict types, unknown keys refused). Anything that does not fit is a ``HarnessError``
(exit 2) naming the file and the benchmark, never a traceback and never a pass.
"""

from __future__ import annotations

import itertools
import math
import statistics
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from afirgen_bench.core.config import parse_json, validated
from afirgen_bench.core.errors import HarnessError
from afirgen_bench.core.models import Kind, Measurement, ResultSet, declared_counted

Number = float | int
Sha = Annotated[str, Field(pattern=r"^[0-9a-f]{40}$")]


class _AsvModel(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class AsvResultFile(_AsvModel):
    """asv 0.6's result file (api version 2)."""

    commit_hash: Sha
    env_name: str
    date: int
    params: dict[str, Any]
    python: str
    requirements: dict[str, Any]
    env_vars: dict[str, Any]
    result_columns: list[str]
    results: dict[str, list[Any]]
    durations: dict[str, Any]
    version: Literal[2]


class AsvRow(_AsvModel):
    """One benchmark's row, columns named (asv fills only the first few for a failure)."""

    result: list[Number | None] | None = None
    params: list[list[str]] = []
    version: str | None = None
    started_at: int | None = None
    duration: Number | None = None
    stats_ci_99_a: list[Number | None] | None = None
    stats_ci_99_b: list[Number | None] | None = None
    stats_q_25: list[Number | None] | None = None
    stats_q_75: list[Number | None] | None = None
    stats_number: list[Number | None] | None = None
    stats_repeat: list[Number | None] | None = None
    samples: list[list[Number] | None] | None = None
    profile: str | None = None


class IndexEntry(BaseModel):
    """A benchmark in asv's ``benchmarks.json``; asv adds keys per type, so only the ones
    read here are checked."""

    model_config = ConfigDict(strict=True, extra="allow")

    type: str
    unit: str
    param_names: list[str] = []
    params: list[list[str]] = []
    version: str | None = None

    def keys(self, name: str) -> list[str]:
        """The result keys of every parameter combination, as ``Measurement.key`` spells
        them."""
        if not self.params:
            return [name]
        return [f"{name}({', '.join(combo)})" for combo in itertools.product(*self.params)]


def parse_index(text: str, source: str) -> dict[str, IndexEntry]:
    """asv's ``benchmarks.json``: type, unit, parameters and version of every benchmark."""
    raw = _json(text, source)
    if not isinstance(raw, dict):
        raise HarnessError(f"{source} is not asv's benchmark index")
    raw = {name: entry for name, entry in raw.items() if name != "version"}
    return {
        name: validated(IndexEntry, entry, f"{source}: the entry for {name}")
        for name, entry in raw.items()
    }


def parse_results(
    text: str, source: str, *, commit: str, machine: str, index: dict[str, IndexEntry]
) -> ResultSet:
    """One commit's measurements from a result file's ``text``, which must be of ``commit``
    on ``machine``."""
    data: AsvResultFile = validated(AsvResultFile, _json(text, source), source)
    if data.commit_hash != commit:
        raise HarnessError(
            f"{source} holds results of commit {data.commit_hash[:12]}, not {commit[:12]}"
        )
    recorded = data.params.get("machine")
    if recorded != machine:
        raise HarnessError(f"{source} was recorded on machine {recorded!r}, not {machine!r}")
    result = ResultSet(commit=commit, machine=machine, path=Path(source))
    starts, ends = [], []
    current_suites = {_suite(entry.version) for entry in index.values()}
    for name, values in data.results.items():
        if len(values) > len(data.result_columns):
            raise HarnessError(f"{source}: the row of {name} has more fields than columns")
        row: AsvRow = validated(
            AsvRow,
            dict(zip(data.result_columns, values, strict=False)),
            f"{source}: the row of {name}",
        )
        declared = index.get(name)
        if declared is None and _suite(row.version) not in current_suites:
            # a benchmark an older suite had (renamed since), as asv's site leaves it out; a
            # current-suite row without its entry is a declaration gone missing: refused
            continue
        if declared is None:
            raise HarnessError(
                f"{source}: {name} has no entry in benchmarks.json, so its unit and kind are "
                "unknown; it is never judged by a generic rule: run asv on this results folder "
                "again (a renamed benchmark: benchmark both commits again)"
            )
        _check_row(name, declared, row, source)
        for measurement in _measurements(name, declared, row, source):
            if measurement.key in result.measurements:
                raise HarnessError(f"{source}: {measurement.key} appears twice")
            result.measurements[measurement.key] = measurement
        if row.duration is not None and not math.isfinite(row.duration):
            raise HarnessError(f"{source}: the row of {name} has a duration of {row.duration}")
        if row.started_at is not None:
            starts.append(row.started_at)
            ends.append(row.started_at + round(1000 * (row.duration or 0)))
    if starts:
        result.span = (min(starts), max(ends))
    return result


def _suite(version: str | None) -> str | None:
    """The suite version a benchmark version starts with (``"2026.11.29 cost"``)."""
    return version.split()[0] if version else None


def _check_row(name: str, meta: IndexEntry, row: AsvRow, source: str) -> None:
    """What asv always writes, checked, so an edited row is refused rather than read: a
    version (the figure's meaning), no samples for a track_ figure (its value is the
    figure), and a time's value equal to its samples' median (asv's own summary)."""
    problem = None
    if row.version is None:
        problem = "has no version, so nothing says what it measured"
    elif Kind.of(name, meta.type) is Kind.TRACK and row.samples and any(row.samples):
        problem = "is a track_ figure with samples: asv records none, its value is the figure"
    elif row.samples and row.result:
        for value, samples in zip(row.result, row.samples, strict=False):
            usable = samples and all(math.isfinite(x) and x > 0 for x in samples)
            if value is None or not usable or not math.isfinite(value):
                continue  # a NaN, zero or negative figure is its own verdict (invalid)
            median = statistics.median(samples)
            if not math.isclose(value, median, rel_tol=1e-9):
                problem = f"has a value ({value:g}) that is not its samples' median ({median:g})"
                break
    if problem:
        raise HarnessError(f"{source}: the row of {name} {problem}: it was edited; measure again")


def _measurements(name: str, meta: IndexEntry, row: AsvRow, source: str) -> list[Measurement]:
    combos = list(itertools.product(*row.params)) if row.params else [()]
    values: list[Number | None] = row.result if row.result is not None else [None] * len(combos)
    samples = row.samples if row.samples is not None else [None] * len(combos)
    if len(values) != len(combos) or len(samples) != len(combos):
        raise HarnessError(
            f"{source}: {name} has {len(values)} results and {len(samples)} sample lists "
            f"for {len(combos)} parameter combinations"
        )
    kind = Kind.of(name, meta.type)
    found = []
    for combo, value, combo_samples in zip(combos, values, samples, strict=True):
        skipped = isinstance(value, float) and math.isnan(value)
        found.append(
            Measurement(
                benchmark=name,
                params=combo,
                kind=kind,
                unit=meta.unit,
                value=None if value is None or skipped else float(value),
                skipped=skipped,
                samples=tuple(float(s) for s in combo_samples or ()),
                version=row.version,
                declared_counted=declared_counted(meta.version),
            )
        )
    return found


def _json(text: str, source: str) -> Any:
    return parse_json(text, source, "delete it and benchmark that commit again")
