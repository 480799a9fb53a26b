"""One definition per operation, run by every instrument.

A definition is a function of the resources an operation needs (a scale, a cache manager, a
generator) that returns its ``Call``: call ``i`` does the operation on the ``i``-th input
(the ``i``-th sample id, query, key...); a plain cache call takes its manager with the index
instead, ``definition(manager, i)``. The timed benchmark runs it with ``i`` from a
per-process round robin (``resources.next_index``) and declares it with ``@measures``; the
counted twin (``cost_probe/operations.py``) runs calls ``0 .. n - 1`` of the same definition
under Callgrind and the server counters. So the work timed and the work counted cannot drift
apart; ``tests/unit/test_counted_twins.py`` checks both sides name the same definition.
The counted twin keeps the frames the counted history was made with (docs/cost.md), so a
definition's counted figures go on where the hand-written twin's left off.

Over HTTP the two instruments drive different clients (a real server over the network, the
app in process), so there the definition is the request: its path and body, built once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

Call = Callable[[int], Any]
F = TypeVar("F", bound=Callable[..., Any])


def measures(definition: Callable[..., Any]) -> Callable[[F], F]:
    """Declare the definition a ``time_`` method runs (its counted twin runs the same one)."""

    def mark(method: F) -> F:
        method.measures = definition  # type: ignore[attr-defined]
        return method

    return mark
