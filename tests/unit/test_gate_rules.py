"""The gate's rules are objects found in ``core/rules/`` and run by precedence: a new rule is
a module of its own, and its place in the order is its precedence, never an accident."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from afirgen_bench.core import rules

ORDER = [
    "gone at head",
    "failed at head",
    "invalid at head",
    "new at head",
    "invalid at base",
    "fixed at head",
    "skipped",
    "version changed",
    "SLA only",
    "derived",
    "absolute limit",
    "counted",
    "wall time",
]


@pytest.fixture
def extra_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder searched as part of ``core/rules/``, for rule modules a test writes."""
    monkeypatch.setattr(rules, "__path__", [*rules.__path__, str(tmp_path)])
    rules.ordered.cache_clear()
    yield tmp_path
    rules.ordered.cache_clear()
    for name in [m for m in sys.modules if m.startswith(f"{rules.__name__}.extra_")]:
        del sys.modules[name]


def _rule_module(folder: Path, name: str, precedence: int) -> None:
    (folder / f"extra_{name}.py").write_text(
        "from afirgen_bench.core.change import GateRule\n"
        f"RULES = (GateRule({name!r}, {precedence}, lambda case: None),)\n"
    )


def test_the_rules_run_availability_first_and_the_wall_time_last() -> None:
    assert [rule.name for rule in rules.ordered()] == ORDER


def test_a_new_rule_module_takes_the_place_its_precedence_gives(extra_rules: Path) -> None:
    _rule_module(extra_rules, "between", 115)
    names = [rule.name for rule in rules.ordered()]
    assert names.index("between") == names.index("absolute limit") + 1


def test_two_rules_with_one_precedence_are_refused(extra_rules: Path) -> None:
    _rule_module(extra_rules, "twin", 110)
    with pytest.raises(ValueError, match="share precedence 110"):
        rules.ordered()
