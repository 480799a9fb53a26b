"""The gate's rules, one family per module, each rule a ``GateRule`` with its precedence:
availability (did both sides run and mean the same?), derived and SLA-only figures, absolute
limits, counted figures, then the wall time's noise, which judges whatever reaches it.

A new rule is a module here with its ``RULES``: ``ordered`` finds it, so adding one touches
its own module, the setting it reads in ``core/config.py`` and its tests."""

from __future__ import annotations

import importlib
import itertools
import pkgutil
from functools import cache

from afirgen_bench.core.change import GateRule


@cache
def ordered() -> tuple[GateRule, ...]:
    """Every rule of the modules in this package, by precedence; two with the same
    precedence would leave their order to chance, so that is an error."""
    found: list[GateRule] = []
    for module in pkgutil.iter_modules(__path__):
        found += importlib.import_module(f"{__name__}.{module.name}").RULES
    by_precedence = sorted(found, key=lambda rule: rule.precedence)
    for earlier, later in itertools.pairwise(by_precedence):
        if earlier.precedence == later.precedence:
            raise ValueError(
                f"gate rules {earlier.name!r} and {later.name!r} share precedence "
                f"{earlier.precedence}: give each its own"
            )
    return tuple(by_precedence)
