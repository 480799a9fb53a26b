"""The code each counted operation runs is the code the counted history was counted with
(``counted_code.py`` says why and how to record it again)."""

from __future__ import annotations

import json
import os

import pytest
from counted_code import PYTHON, RECORD, fingerprints

from benchmarks import cache
from benchmarks.cache import nth_key

RECORDED = json.loads(RECORD.read_text())


@pytest.mark.skipif(
    RECORDED["python"] != PYTHON,
    reason=f"fingerprints recorded with Python {RECORDED['python']}: bytecode differs by version",
)
def test_the_counted_code_is_the_code_the_history_was_counted_with() -> None:
    recorded, now = RECORDED["fingerprints"], fingerprints()
    changed = sorted(name for name in recorded.keys() & now.keys() if recorded[name] != now[name])
    assert not changed, (
        f"the counted code of {', '.join(changed)} changed: count a commit again and compare "
        "it with its stored count (docs/cost.md, 'The definitions kept the counted history'); "
        "if figures move beyond their tolerance, bump the cost suite's version and count the "
        "history again; then record: .venv/bin/python tests/unit/counted_code.py --record"
    )


@pytest.mark.skipif(
    bool(os.environ.get("AFIRGEN_BENCH_SCALES")),
    reason="AFIRGEN_BENCH_SCALES changes which database operations exist",
)
def test_every_counted_operation_has_a_recorded_fingerprint() -> None:
    assert sorted(RECORDED["fingerprints"]) == sorted(fingerprints()), (
        "operations were added or removed: record the fingerprints again "
        "(.venv/bin/python tests/unit/counted_code.py --record)"
    )


def test_an_edit_of_a_definition_changes_its_fingerprint(monkeypatch: pytest.MonkeyPatch) -> None:
    """An edit of a definition's code is caught; a docstring edit is not work and is not."""

    before = fingerprints()["CacheOperations.get_hit"]
    monkeypatch.setattr(cache.get_hit, "__doc__", "words only")
    assert fingerprints()["CacheOperations.get_hit"] == before

    def get_hit(manager: object, i: int) -> object:  # the same call, two opcodes more
        key = nth_key(i)
        return manager.get("bench", key)  # type: ignore[attr-defined]

    monkeypatch.setattr(cache.get_hit, "__code__", get_hit.__code__)
    assert fingerprints()["CacheOperations.get_hit"] != before
