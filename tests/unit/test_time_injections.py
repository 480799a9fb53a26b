"""The duet proof's slowdowns: each edits the function it names, keeps the module valid, and
adds nothing a counter of instructions would see first (a sleep, a hint, a longer lock)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from afirgen_bench.core.errors import HarnessError
from afirgen_bench.duet_proof import SLOWDOWNS
from afirgen_bench.injections import hinted_query, longer_lock, sleep_first

ROOT = Path(__file__).resolve().parents[2]
MODULE = '''
import threading


class Pool:
    def __init__(self):
        self._available = threading.Condition()

    def checkin(self, conn):
        """Give it back."""
        with self._available:
            self.idle = conn

    def page(self):
        return self.run("SELECT id FROM `fir_records` ORDER BY id")
'''


def test_sleep_comes_first_after_the_docstring() -> None:
    changed = sleep_first(MODULE, "Pool.checkin", 0.0005)
    ast.parse(changed)
    body = changed.split('"""Give it back."""')[1]
    assert body.lstrip().startswith("__import__('time').sleep(0.0005)")


def test_a_lock_is_held_longer_inside_its_block() -> None:
    changed = longer_lock(MODULE, "Pool.checkin", 0.0002)
    ast.parse(changed)
    assert "with self._available:\n            __import__('time').sleep(0.0002)" in changed
    with pytest.raises(HarnessError, match="no with block"):
        longer_lock(MODULE, "Pool.page", 0.0002)


def test_a_hint_changes_only_the_named_function() -> None:
    changed = hinted_query(MODULE, "Pool.page", "fir_records", "IGNORE INDEX (idx)")
    ast.parse(changed)
    assert "FROM `fir_records` IGNORE INDEX (idx) ORDER BY" in changed
    with pytest.raises(HarnessError, match="no query on"):
        hinted_query(MODULE, "Pool.checkin", "fir_records", "IGNORE INDEX (idx)")


@pytest.mark.parametrize("slowdown", SLOWDOWNS, ids=lambda s: s.name)
def test_every_slowdown_applies_to_the_backend(slowdown) -> None:
    source = (ROOT / slowdown.path).read_text()
    changed = slowdown.edit(source)
    assert changed != source
    ast.parse(changed)


@pytest.mark.parametrize("slowdown", SLOWDOWNS, ids=lambda s: s.name)
def test_every_slowdown_lies_under_benchmarks_of_the_suite(slowdown) -> None:
    import re

    from afirgen_bench.core.config import parse_gate
    from afirgen_bench.duet import duet_targets
    from afirgen_bench.results_folder import load_index

    gate = parse_gate((ROOT / "gate.toml").read_text(), "gate.toml")
    keys = [t.key for t in duet_targets(load_index(ROOT / "results"), gate, None)]
    assert any(re.search(slowdown.under, key) for key in keys)
