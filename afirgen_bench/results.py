"""Reading asv's result files into measurements the judge can use.

A result file is ``results/<machine>/<sha8>-<env>.json``; asv writes ``NaN`` for a skipped
benchmark, ``null`` for a failed one, and raw per-call samples only when asked
(``--record-samples``). A missing, truncated or unreadable file is a harness error (exit 2),
never a traceback.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from afirgen_bench.errors import HarnessError
from afirgen_bench.stats import round_medians


@dataclass(frozen=True)
class Measurement:
    """One benchmark at one parameter combination, at one commit."""

    benchmark: str
    params: tuple[str, ...]
    kind: str  # "time", "track", "peakmemory", ...
    unit: str
    value: float | None  # asv's median (or the tracked value); None if failed
    skipped: bool
    samples: tuple[float, ...]
    version: str | None
    rounds: int = 1  # processes asv ran it in; samples hold the rounds one after another

    @property
    def key(self) -> str:
        return f"{self.benchmark}({', '.join(self.params)})" if self.params else self.benchmark

    @property
    def failed(self) -> bool:
        return self.value is None and not self.skipped

    def round_medians(self) -> list[float] | None:
        return round_medians(self.samples, self.rounds)


@dataclass
class ResultSet:
    commit: str
    machine: str
    path: Path
    measurements: dict[str, Measurement] = field(default_factory=dict)

    def failed(self) -> list[Measurement]:
        return [m for m in self.measurements.values() if m.failed]


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())  # Python's json accepts asv's NaN and Infinity
    except FileNotFoundError as exc:
        raise HarnessError(f"{path} does not exist") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HarnessError(
            f"{path} is corrupt or truncated ({exc}); delete it and benchmark that commit again"
        ) from exc
    except OSError as exc:
        raise HarnessError(f"cannot read {path}: {exc}") from exc


def benchmark_index(results_dir: Path) -> dict[str, Any]:
    """asv's ``benchmarks.json``: type, unit and parameters of every benchmark."""
    index = _read_json(results_dir / "benchmarks.json")
    if not isinstance(index, dict):
        raise HarnessError(f"{results_dir / 'benchmarks.json'} is not a benchmark index")
    return index


def result_file(results_dir: Path, machine: str, commit: str) -> Path:
    prefix = commit[:8]
    matches = sorted((results_dir / machine).glob(f"{prefix}-*.json"))
    if not matches:
        raise HarnessError(
            f"no results for commit {prefix} on machine {machine} in {results_dir}: "
            f"benchmark it first (python -m afirgen_bench run --commit {prefix})"
        )
    return matches[-1]


def load_results(results_dir: Path, machine: str, commit: str) -> ResultSet:
    path = result_file(results_dir, machine, commit)
    index = benchmark_index(results_dir)
    data = _read_json(path)
    try:
        columns = data["result_columns"]
        rows = data["results"]
        commit_hash = data["commit_hash"]
    except (KeyError, TypeError) as exc:
        raise HarnessError(f"{path} is not an asv result file (missing {exc})") from exc
    result = ResultSet(commit=commit_hash, machine=machine, path=path)
    for name, row in rows.items():
        meta = index.get(name, {})
        entry = dict(zip(columns, row, strict=False))
        try:
            result.measurements.update((m.key, m) for m in _measurements(name, meta, entry))
        except (TypeError, ValueError, IndexError) as exc:
            raise HarnessError(f"{path}: the entry for {name} is malformed ({exc})") from exc
    return result


def _measurements(name: str, meta: dict[str, Any], entry: dict[str, Any]) -> list[Measurement]:
    values = entry.get("result")
    params = entry.get("params") or []
    combos = list(itertools.product(*params)) if params else [()]
    if values is None:  # the whole benchmark failed
        values = [None] * len(combos)
    samples = entry.get("samples") or [None] * len(combos)
    kind = meta.get("type", name.rsplit(".", 1)[-1].split("_", 1)[0])
    unit = meta.get("unit", "seconds")
    found = []
    for combo, value, combo_samples in zip(combos, values, samples, strict=False):
        skipped = isinstance(value, float) and math.isnan(value)
        found.append(
            Measurement(
                benchmark=name,
                params=tuple(str(p) for p in combo),
                kind=kind,
                unit=unit,
                value=None if value is None or skipped else float(value),
                skipped=skipped,
                samples=tuple(float(s) for s in combo_samples or ()),
                version=entry.get("version"),
                rounds=int(meta.get("rounds") or 1),
            )
        )
    return found
