"""One definition per operation: every timed benchmark declares the definition it runs
(``@measures``), its counted twin runs the same one, and every counted operation names a
timed benchmark. A timed call rewritten by hand, or a counted one, fails here."""

from __future__ import annotations

import importlib
import json
import types
from collections.abc import Callable, Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest

from benchmarks.cost_probe.operations import Operation, registry

ROOT = Path(__file__).resolve().parents[2]


def timed_benchmarks() -> set[str]:
    index = json.loads((ROOT / "results" / "benchmarks.json").read_text())
    return {
        name
        for name, entry in index.items()
        if name != "version" and entry["type"] == "time" and not name.startswith("load.")
    }


def timed_method(name: str) -> tuple[type, Callable[..., Any]]:
    module, cls, method = name.split(".")
    found = getattr(importlib.import_module(f"benchmarks.{module}"), cls)
    return found, getattr(found, method)


def code_names(code: types.CodeType) -> set[str]:
    """The globals and attributes ``code`` and the functions nested in it look up."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= code_names(const)
    return names


def calls_definition(function: Callable[..., Any], definition: Callable[..., Any]) -> bool:
    """Whether ``function`` looks ``definition`` up by name or holds it in its closure."""
    if definition.__name__ in code_names(function.__code__):
        return True
    return any(cell.cell_contents is definition for cell in function.__closure__ or ())


def class_functions(cls: type) -> Iterator[Callable[..., Any]]:
    """The functions a benchmark class runs (its own and its suite's bases'), the decorators
    left out: ``@measures(f)`` names ``f`` in the class body, not in any function."""
    for klass in cls.__mro__:
        if not klass.__module__.startswith("benchmarks."):
            continue
        for attribute in vars(klass).values():
            if isinstance(attribute, types.FunctionType):
                yield attribute
            elif isinstance(attribute, cached_property):
                yield attribute.func


def test_every_counted_operation_mirrors_a_timed_benchmark() -> None:
    timed = timed_benchmarks()
    strays = {op.name: op.mirrors for op in registry().values() if op.mirrors not in timed}
    assert not strays


def test_every_timed_benchmark_has_a_counted_twin() -> None:
    mirrored = {op.mirrors for op in registry().values()}
    assert sorted(timed_benchmarks() - mirrored) == []


def test_every_timed_benchmark_declares_its_definition() -> None:
    undeclared = [
        name for name in timed_benchmarks() if not hasattr(timed_method(name)[1], "measures")
    ]
    assert undeclared == []


@pytest.mark.parametrize("op", registry().values(), ids=lambda op: op.name)
def test_the_twins_run_one_definition(op: Operation) -> None:
    cls, method = timed_method(op.mirrors)
    assert op.definition is not None
    assert op.definition is method.measures
    assert any(calls_definition(f, op.definition) for f in class_functions(cls)), (
        f"{op.mirrors} declares {op.definition.__name__} but its class never calls it"
    )
    assert calls_definition(op.prepare, op.definition), (
        f"the counted {op.name} never calls {op.definition.__name__}"
    )


def test_a_call_written_by_hand_is_caught() -> None:
    """The check above fails for a counted twin that does the work itself."""
    from benchmarks import database

    def by_hand(count: int) -> Any:
        return lambda i: database.fir_repository(10_000).get_by_id(i)

    assert not calls_definition(by_hand, database.select_by_id)
    assert calls_definition(lambda count: database.select_by_id(10_000), database.select_by_id)


def test_every_area_is_reported_by_the_cost_class_named_after_it() -> None:
    from benchmarks import cost
    from benchmarks.cost_probe.operations import Area

    assert {op.area for op in registry().values()} == set(Area)
    for area in Area:
        assert getattr(cost, area.value).area is area
