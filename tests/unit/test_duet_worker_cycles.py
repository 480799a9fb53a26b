"""A duet's pairs compare the same work: both workers restart the suite's round robins after
their warm-ups (of different lengths), so the n-th sample on one side runs the same query, or
reads the same row, as the n-th on the other."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from afirgen_bench.duet import WORKER
from benchmarks.resources import next_of, restart_cycles

CYCLED = """
from .resources import next_of

class Cycled:
    def track_value(self):
        return float(next_of("values", [1, 2, 3, 4, 5, 6, 7]))
"""
RESOURCES = """
import itertools

_cycles = {}

def next_of(name, values):
    return next(_cycles.setdefault(name, itertools.cycle(values)))
"""
RESTART = """
def restart_cycles():
    _cycles.clear()
"""


def suite(tmp_path: Path, resources: str) -> Path:
    folder = tmp_path / "benchmarks"
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    (folder / "resources.py").write_text(textwrap.dedent(resources))
    (folder / "cycled.py").write_text(textwrap.dedent(CYCLED))
    return folder


def talk(folder: Path, commands: list[dict]) -> list[dict]:
    done = subprocess.run(
        [sys.executable, "-P", str(WORKER), str(folder)],
        input="".join(json.dumps(c) + "\n" for c in commands),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_the_real_round_robin_starts_again_from_its_first_value() -> None:
    values = ["a", "b", "c"]
    name = "test-restart-cycles"
    assert [next_of(name, values) for _ in range(2)] == ["a", "b"]
    restart_cycles()
    assert [next_of(name, values) for _ in range(4)] == ["a", "b", "c", "a"]


def test_after_its_warm_up_a_worker_samples_from_the_first_value(tmp_path: Path) -> None:
    folder = suite(tmp_path, RESOURCES + RESTART)
    prepare = {"op": "prepare", "name": "cycled.Cycled.track_value", "params": []}
    sample = {"op": "sample", "number": 1}
    replies = talk(folder, [prepare, sample, sample, sample, {"op": "quit"}])
    assert "error" not in replies[0], replies[0]
    assert [r["value"] for r in replies[1:4]] == [1.0, 2.0, 3.0]


def test_a_suite_that_cannot_restart_its_round_robins_is_refused(tmp_path: Path) -> None:
    folder = suite(tmp_path, RESOURCES)
    prepare = {"op": "prepare", "name": "cycled.Cycled.track_value", "params": []}
    replies = talk(folder, [prepare, {"op": "quit"}])
    assert "restart_cycles is missing" in replies[0]["error"]
