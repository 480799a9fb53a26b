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

from afirgen_bench.core.config import LATENCY_MS_MAX, LOAD_TEST_TABLE, GateConfig, Limits, Sla
from afirgen_bench.core.errors import HarnessError
from afirgen_bench.core.models import DURATION_UNITS, Kind, declared_counted
from afirgen_bench.core.results import IndexEntry


def _unknown(
    source: str, where: str, name: str, known: Collection[str], what: str = "benchmark"
) -> HarnessError:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return HarnessError(
        f"{source}: {where} names {name!r}, which matches no {what} of the suite{hint}: "
        "a rule that matches nothing judges nothing"
    )


def _measured_track(name: str, entry: IndexEntry) -> bool:
    """A track_ figure the suite measures (rather than counts)."""
    return Kind.of(name, entry.type) is Kind.TRACK and not declared_counted(entry.version)


def check_gate(gate: GateConfig, index: Mapping[str, IndexEntry], source: str) -> None:
    """Each benchmark ``gate.toml`` names exists with the kind its rule needs; every tracked
    figure that is neither counted nor a duration has a direction; every counted figure of
    the suite has a tolerance for its unit (and only those units do)."""
    derived_parts = [p for parts in gate.derived.values() for p in parts]
    for name in derived_parts:
        if name not in index:
            raise _unknown(source, "[derived]", name, index)
    for rule, names in (
        ("higher_is_better", gate.higher_is_better),
        ("lower_is_better", gate.lower_is_better),
        ("deterministic", gate.deterministic),
        ("[absolute]", list(gate.absolute)),
        ("[derived]", list(gate.derived)),
        ("sla_only", gate.sla_only),
    ):
        for name in names:
            if name not in index:
                raise _unknown(source, rule, name, index)
            _needs_a_tracked_figure(source, rule, name, index[name])
    for name in gate.higher_is_better:
        if index[name].unit in DURATION_UNITS:
            raise HarnessError(
                f"{source}: higher_is_better names {name!r}, a duration in {index[name].unit}: "
                "a slower figure is never better"
            )
    for name in gate.absolute:
        if index[name].unit != "%":
            raise HarnessError(
                f"{source}: [absolute] names {name!r}, in {index[name].unit}; absolute limits "
                "are percentage points of a rate (unit %)"
            )
    for name, parts in gate.derived.items():
        timed = all(Kind.of(p, index[p].type) is Kind.TIME for p in parts)
        if index[name].unit != RATIO_UNIT or not parts or name in parts or not timed:
            raise HarnessError(
                f"{source}: [derived] {name!r} must be a ratio (unit {RATIO_UNIT!r}) of the "
                "time_ benchmarks it names, which are judged instead; any other figure listed "
                "there would be judged by nobody"
            )
        if name in gate.deterministic:
            raise HarnessError(f"{source}: {name!r} is [derived] and deterministic: one rule each")
    _every_tracked_figure_has_a_direction(gate, index, source)
    _every_counted_unit_has_a_tolerance(gate, index, source)


RATIO_UNIT = "x"  # a speed-up: the one kind of figure judged through its parts


def _needs_a_tracked_figure(source: str, rule: str, name: str, entry: IndexEntry) -> None:
    if not _measured_track(name, entry):
        kind = Kind.of(name, entry.type)
        what = "a counted figure" if kind is Kind.TRACK else f"a {kind}_ benchmark"
        raise HarnessError(
            f"{source}: {rule} names {name!r}, {what}; the rule is for measured track_ "
            "figures (times are better lower, counts are judged by [exact])"
        )


def _every_tracked_figure_has_a_direction(
    gate: GateConfig, index: Mapping[str, IndexEntry], source: str
) -> None:
    directed = {*gate.higher_is_better, *gate.lower_is_better}
    for name, entry in index.items():
        undirected = entry.unit not in DURATION_UNITS and name not in directed
        if undirected and _measured_track(name, entry):
            raise HarnessError(
                f"{source}: {name} (a track_ figure in {entry.unit}) has no direction: list it "
                "under higher_is_better or lower_is_better"
            )


def _every_counted_unit_has_a_tolerance(
    gate: GateConfig, index: Mapping[str, IndexEntry], source: str
) -> None:
    counted_units = {
        entry.unit: name for name, entry in index.items() if declared_counted(entry.version)
    }
    for unit in gate.exact:
        if unit not in counted_units:
            raise _unknown(source, "[exact]", unit, counted_units, "unit of a counted figure")
    for unit, name in counted_units.items():
        if unit not in gate.exact:
            raise HarnessError(
                f"{source}: [exact] has no tolerance for {unit!r}, the unit of the counted "
                f"figure {name}: a counted figure is never judged by a generic rule"
            )


def check_sla_only(gate: GateConfig, sections: Mapping[str, Limits], source: str) -> None:
    """Each figure ``sla_only`` takes out of the gate has an SLA section (its own, or one per
    combination): otherwise nobody would judge it."""
    for name in gate.sla_only:
        if name not in sections and not any(s.startswith(f"{name}(") for s in sections):
            raise HarnessError(
                f"{source}: sla_only names {name!r}, which no section of sla.toml limits: it "
                "would be judged by nobody; give it a limit there or take it out of sla_only"
            )


def check_sla(
    sla: Sla,
    index: Mapping[str, IndexEntry],
    source: str,
    endpoints: Collection[str],
) -> None:
    """Each ``sla.toml`` section names a benchmark (all its combinations) or one combination
    of it, with limits of the kind the benchmark measures; each endpoint of ``[load_test]``
    is one the load test reports (``endpoints``)."""
    for endpoint in sla.load_test.endpoints:
        if endpoint not in endpoints:
            where = f"[{LOAD_TEST_TABLE}.endpoints.{endpoint!r}]"
            raise _unknown(source, where, endpoint, endpoints, "endpoint of the load test")
    keys = {key: name for name, entry in index.items() for key in entry.keys(name)}
    for section, limits in sla.benchmarks.items():
        name = section if section in index else keys.get(section)
        if name is None:
            raise _unknown(source, f"[{section!r}]", section, [*index, *keys])
        kind = _kind(name, index)
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
        _values_within_the_unit(source, section, limits, index[name].unit)


# The range each tracked unit can take: every figure here is a count, a rate, a duration or a
# size, none below zero, and a percentage is at most 100.
_UNIT_MAX = {"%": 100.0}
LATENCY_UNITS = frozenset({"ms"})


def _values_within_the_unit(source: str, section: str, limits: Limits, unit: str) -> None:
    """A minimum no figure can fall below, or a maximum none can reach, judges nothing."""
    top = _UNIT_MAX.get(unit)
    if unit in LATENCY_UNITS and limits.max_value and limits.max_value > LATENCY_MS_MAX:
        raise HarnessError(
            f"{source}: [{section!r}] max_value {limits.max_value:g} ms is beyond "
            f"{LATENCY_MS_MAX:g} ms: a request running this long has timed out"
        )
    if limits.min_value is not None and limits.min_value <= 0:
        raise HarnessError(
            f"{source}: [{section!r}] min_value {limits.min_value:g} {unit}: no figure here is "
            "below zero, so it judges nothing"
        )
    for name in ("min_value", "max_value"):
        value = getattr(limits, name)
        if value is not None and top is not None and value > top:
            raise HarnessError(
                f"{source}: [{section!r}] {name} {value:g} {unit} is beyond what the unit can "
                f"reach ({top:g}), so it judges nothing"
            )
    if limits.max_value is not None and limits.max_value < 0:
        raise HarnessError(
            f"{source}: [{section!r}] max_value {limits.max_value:g} {unit}: no figure here is "
            "below zero, so nothing could pass"
        )


def _kind(name: str, index: Mapping[str, IndexEntry]) -> Kind:
    return Kind.of(name, index[name].type)
