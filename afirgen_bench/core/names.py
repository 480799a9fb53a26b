"""Every name a rule file uses must be a real one: a benchmark of the suite, a parameter
combination asv records, a unit the suite counts in, an endpoint the load test requests.

A misspelt name would otherwise judge nothing and pass: a hit rate listed as
"higher is better" under a typo turns its drop into an "improvement"; an ``sla.toml`` section
that names no benchmark checks no limit. The suite is asv's ``benchmarks.json``, which lists
every benchmark discovered, whatever a run selected.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping

from afirgen_bench.core.config import GateConfig, Limits
from afirgen_bench.core.errors import HarnessError
from afirgen_bench.core.models import Kind, declared_counted
from afirgen_bench.core.results import IndexEntry


def _unknown(source: str, where: str, name: str, known: Collection[str]) -> HarnessError:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return HarnessError(
        f"{source}: {where} names {name!r}, which matches no {_what(where)} of the suite{hint}: "
        "a rule that matches nothing judges nothing"
    )


def _what(where: str) -> str:
    return "unit of a counted figure" if where == "[exact]" else "benchmark"


def check_gate(gate: GateConfig, index: Mapping[str, IndexEntry], source: str) -> None:
    """Each benchmark ``gate.toml`` names exists with the kind its rule needs, and every
    counted figure of the suite has a tolerance for its unit (and only those units do)."""
    for rule, names in (
        ("higher_is_better", gate.higher_is_better),
        ("deterministic", gate.deterministic),
        ("[absolute]", list(gate.absolute)),
        ("[derived]", [*gate.derived, *(p for parts in gate.derived.values() for p in parts)]),
    ):
        for name in names:
            if name not in index:
                raise _unknown(source, rule, name, index)
            if (
                rule in ("higher_is_better", "deterministic")
                and _kind(name, index) is not Kind.TRACK
            ):
                raise HarnessError(
                    f"{source}: {rule} names {name!r}, a {_kind(name, index)}_ benchmark; "
                    "the rule is for track_ figures (a time is always better lower)"
                )
    counted_units = {
        entry.unit: name for name, entry in index.items() if declared_counted(entry.version)
    }
    for unit in gate.exact:
        if unit not in counted_units:
            raise _unknown(source, "[exact]", unit, counted_units)
    for unit, name in counted_units.items():
        if unit not in gate.exact:
            raise HarnessError(
                f"{source}: [exact] has no tolerance for {unit!r}, the unit of the counted "
                f"figure {name}: a counted figure is never judged by a generic rule"
            )


def check_sla(
    sla: Mapping[str, Limits],
    index: Mapping[str, IndexEntry],
    source: str,
    load_sections: Mapping[str, Collection[str]],
) -> None:
    """Each ``sla.toml`` section names a benchmark (all its combinations), one combination
    of it, or a load-test section (``load_sections``: each with the limits the load test
    judges there); its limits are of the kind the benchmark measures."""
    keys = {key: name for name, entry in index.items() for key in entry.keys(name)}
    for section, limits in sla.items():
        if section in load_sections:
            given = {field for field in limits.model_fields_set if field != "seed"}
            if ignored := sorted(given - set(load_sections[section])):
                raise HarnessError(
                    f"{source}: [{section!r}] sets {', '.join(ignored)}, which the load test "
                    f"does not judge there (it judges {', '.join(sorted(load_sections[section]))})"
                )
            continue
        name = section if section in index else keys.get(section)
        if name is None:
            raise _unknown(source, f"[{section!r}]", section, [*index, *keys, *load_sections])
        kind = _kind(name, index)
        if limits.max_error_rate is not None:
            raise HarnessError(
                f"{source}: [{section!r}] has max_error_rate, which only the load test's "
                "sections take: use max_value on the error-rate benchmark"
            )
        if kind is Kind.TRACK and limits.per_call:
            raise HarnessError(
                f"{source}: [{section!r}] is a track_ benchmark; per-call limits (p95_ms, "
                "p99_ms, mean_ms, min_throughput) need a time_ benchmark: use min_value / max_value"
            )
        if kind is not Kind.TRACK and limits.per_value:
            raise HarnessError(
                f"{source}: [{section!r}] is a {kind}_ benchmark; min_value / max_value are "
                "for track_ benchmarks"
            )


def _kind(name: str, index: Mapping[str, IndexEntry]) -> Kind:
    return Kind.of(name, index[name].type)
