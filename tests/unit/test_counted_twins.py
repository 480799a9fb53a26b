"""Every timed operation has a counted twin, and every counted operation names a timed one:
the suite writes each twice (a ``time_`` method and an ``Operation``), so a test keeps the
two in step until they share one definition."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.cost_probe.operations import registry

ROOT = Path(__file__).resolve().parents[2]


def timed_benchmarks() -> set[str]:
    index = json.loads((ROOT / "results" / "benchmarks.json").read_text())
    return {
        name
        for name, entry in index.items()
        if name != "version" and entry["type"] == "time" and not name.startswith("load.")
    }


def test_every_counted_operation_mirrors_a_timed_benchmark() -> None:
    timed = timed_benchmarks()
    strays = {op.name: op.mirrors for op in registry().values() if op.mirrors not in timed}
    assert not strays


def test_every_timed_benchmark_has_a_counted_twin() -> None:
    mirrored = {op.mirrors for op in registry().values()}
    assert sorted(timed_benchmarks() - mirrored) == []


def test_every_area_is_reported_by_the_cost_class_named_after_it() -> None:
    from benchmarks import cost
    from benchmarks.cost_probe.operations import Area

    assert {op.area for op in registry().values()} == set(Area)
    for area in Area:
        assert getattr(cost, area.value).area is area
