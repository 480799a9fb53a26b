"""Deterministic cost of every timed operation, as ``track_`` benchmarks.

Wall time on a shared VM moves by a few percent from run to run; these figures do not, so a
1 % change is a real one. Per operation (one per ``time_`` benchmark and parameter
combination; the names say which, see ``cost_probe.operations``):

- ``instructions``: CPU instructions per call of the client side (the API's own request
  handling included, driven in process), counted by Valgrind Callgrind around the calls only,
  in a fixed memory layout; how far they move between layouts is calibrated per operation
  (``calibrate --layouts``) and the gate judges each beyond that;
- ``opcodes``: Python bytecode instructions executed per call on the client side: the
  Python-level share of that work, counted exactly (no layout moves it);
- ``queries``, ``rows``: SQL statements and rows read by MariaDB per call;
- ``commands``: Redis commands per call;
- ``bytes``: bytes both ways between the client side and both servers per call.

The Locust load test (``load.py``) is not covered: its work is a separate process's.

Everything is measured once per commit, in ``_Cost.setup_cache``: one Callgrind process for
the instructions of every operation, then one native process for the server counters (and
a per-function profile of each operation, written under ``$AFIRGEN_BENCH_PROFILES``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asv_runner.benchmarks.mark import SkipNotImplemented

from .backend import has_feature
from .common import SUITE_VERSION, Skipped, skip_if_unprepared
from .cost_probe.launch import probe_env, run_probe
from .cost_probe.operations import Area, registry
from .cost_probe.runner import selected
from .resources import dataset, service_urls

PROFILES_ENV = "AFIRGEN_BENCH_PROFILES"
# A regular expression over operation names: measure only those (the deterministic proof
# measures the operations it injected regressions into; the rest are reported skipped).
ONLY_ENV = "AFIRGEN_BENCH_COST_ONLY"
# The memory layout to count in: 0 (unset), the fixed one; the calibration sets others.
LAYOUT_ENV = "AFIRGEN_BENCH_COST_LAYOUT"


def operations_of(area: Area) -> list[str]:
    return [op.name for op in registry().values() if op.area == area]


def benchmark_key(area: Area, operation: str) -> str:
    """asv's name of the instructions figure of ``operation``: its string parameter as repr."""
    return f"{__name__.rpartition('.')[2]}.{area}.track_instructions({operation!r})"


@dataclass(frozen=True)
class Counted:
    """``_Cost.setup_cache``: each operation's figures by name, and each failed operation's
    error."""

    figures: dict[str, dict[str, float]]
    errors: dict[str, str]


def measure() -> Counted | Skipped:
    """Both probe runs, merged, or why they cannot run at this commit."""
    if shutil.which("valgrind") is None:
        raise RuntimeError("valgrind is not installed: run scripts/setup.sh (apt: valgrind)")
    if not has_feature("services", "resolve"):
        return Skipped("no private services in this commit")
    only = os.environ.get(ONLY_ENV) or None
    if has_feature("data", "load_dataset"):
        # only the selected operations' data sets: a shard counting one operation at 10k
        # spent 107 of its 137 s loading the 100k set nothing it counted reads
        for scale in sorted({op.scale for op in selected(only) if op.scale is not None}):
            dataset(scale)  # seeded natively here, not 20x slower under Callgrind
    urls = service_urls()
    env = probe_env(urls.mysql_url, urls.redis_url)
    layout = int(os.environ.get(LAYOUT_ENV) or 0)
    runs = {
        mode: run_probe(mode, env, only=only, layout=layout)
        for mode in ("instructions", "counters")
    }
    figures: dict[str, dict[str, float]] = {}
    errors: dict[str, str] = {}
    for mode, run in runs.items():
        for op, values in run["figures"].items():
            figures.setdefault(op, {}).update(values)
        for op, message in run["errors"].items():
            errors.setdefault(op, f"{mode}: {message}")
    write_profiles(runs)
    for mode, run in runs.items():
        seconds = run.get("seconds", {})
        slowest = sorted(seconds.items(), key=lambda item: -item[1])[:3]
        print(
            f"cost {mode}: {sum(seconds.values()):.0f} s over {len(seconds)} operations "
            f"(slowest: {', '.join(f'{name} {s:.0f} s' for name, s in slowest)})",
            file=sys.stderr,
        )
    return Counted(figures, errors)


def write_profiles(runs: dict[str, dict[str, Any]]) -> None:
    """One JSON per operation in ``$AFIRGEN_BENCH_PROFILES/<ASV_COMMIT>/`` (if set)."""
    root = os.environ.get(PROFILES_ENV)
    if not root:
        return
    directory = Path(root) / os.environ.get("ASV_COMMIT", "unknown-commit")
    directory.mkdir(parents=True, exist_ok=True)
    for name, op in registry().items():
        figures = runs["instructions"]["figures"].get(name)
        if figures is None:
            continue
        key = benchmark_key(op.area, name)
        profile = {
            "operation": key,
            "calls": op.calls,
            "instructions": figures["instructions"],
            "c_functions": runs["instructions"]["profiles"][name]["c_functions"],
            "python_functions": runs["counters"]["profiles"]
            .get(name, {})
            .get("python_functions", []),
        }
        path = directory / f"{re.sub(r'[^A-Za-z0-9._-]+', '_', key).strip('_')}.json"
        path.write_text(json.dumps(profile, indent=1))


class _Cost:
    """One ``setup_cache`` for every class below (asv keys it by file and line). Each class
    is named after an ``Area`` and reports that area's operations."""

    area: Area
    param_names = ["operation"]
    version = f"{SUITE_VERSION} cost"  # "cost" declares counted figures to the gate (exact rules)
    rounds = 1
    repeat = 1
    number = 1
    timeout = 1800

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__name__ != cls.area:
            raise TypeError(f"cost.{cls.__name__} reports area {cls.area!r}: name it after it")
        cls.params = [operations_of(cls.area)]

    def setup_cache(self) -> Counted | Skipped:
        return measure()

    setup_cache.timeout = 1800

    def setup(self, prepared: Counted | Skipped, operation: str) -> None:
        skip_if_unprepared(prepared)

    def _figure(self, prepared: Counted, operation: str, name: str) -> float:
        value = prepared.figures.get(operation, {}).get(name)
        if value is not None:
            return value
        if operation in prepared.errors:
            raise RuntimeError(prepared.errors[operation])
        raise SkipNotImplemented(f"{operation}: not in this commit")

    def track_instructions(self, prepared: Counted, operation: str) -> float:
        return self._figure(prepared, operation, "instructions")

    track_instructions.unit = "instructions"

    def track_queries(self, prepared: Counted, operation: str) -> float:
        return self._figure(prepared, operation, "queries")

    track_queries.unit = "queries"

    def track_rows(self, prepared: Counted, operation: str) -> float:
        return self._figure(prepared, operation, "rows")

    track_rows.unit = "rows"

    def track_commands(self, prepared: Counted, operation: str) -> float:
        return self._figure(prepared, operation, "commands")

    track_commands.unit = "commands"

    def track_bytes(self, prepared: Counted, operation: str) -> float:
        return self._figure(prepared, operation, "bytes")

    track_bytes.unit = "bytes"

    def track_opcodes(self, prepared: Counted, operation: str) -> float:
        return self._figure(prepared, operation, "opcodes")

    track_opcodes.unit = "opcodes"


class Database(_Cost):
    """``database.py``: each operation named after its benchmark class and parameters."""

    area = Area.DATABASE


class Cache(_Cost):
    """``cache.py``: ``Class.method`` of the timed benchmark (and its parameter)."""

    area = Area.CACHE


class Writes(_Cost):
    """``writes.py``: the bulk insert of 10 and of 100 FIRs."""

    area = Area.WRITES


class Generation(_Cost):
    """``generation.py``: each step of the pipeline, at the 10k data set."""

    area = Area.GENERATION


class Api(_Cost):
    """``api.py``: the app's request handling in process, per request the timed one makes."""

    area = Area.API
