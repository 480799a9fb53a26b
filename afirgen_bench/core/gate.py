"""The regression gate: base against head, benchmark by benchmark.

The unit of evidence is a round (one process), not a call: calls within a process share its
luck. Each side is summarised by its fastest round median (bursts of interference slow whole
rounds, never speed them up), and the shift is the log ratio of the two. It is judged against
the benchmark's noise on the machine, calibrated by A/A runs for the same benchmark version;
uncalibrated, the bare threshold decides. Every benchmark can fail: beyond its own limit
(the larger of the threshold and its minimum detectable effect) a slowdown is a regression.
Anything that did not run, vanished or came out NaN is a verdict of its own that cannot pass.

Counted figures (instructions, opcodes, queries, rows... per operation: gate.toml ``[exact]``)
have no timing noise: a change beyond the figure's tolerance is flagged, whichever runs,
days or machines the two sides come from. The tolerance is the unit's floor, or, for a
figure calibrated across memory layouts (instructions move a little with where objects sit),
``layout_margin`` times the largest move seen between layouts, whichever is larger.
Wall times are judged within one run; across runs only beyond the drift this machine has
shown between runs (calibration ``drift``), and not at all while nobody has measured it.
"""

from __future__ import annotations

from afirgen_bench.core.change import Case, Change
from afirgen_bench.core.config import Calibration, GateConfig
from afirgen_bench.core.models import Measurement, ResultSet
from afirgen_bench.core.rules import ordered


def compare_one(
    base: Measurement | None,
    head: Measurement | None,
    gate: GateConfig,
    calibration: Calibration | None = None,
    *,
    across_runs: bool = False,
) -> Change:
    """One benchmark's verdict: the first rule (``core.rules.ordered``) that judges it;
    ``across_runs`` when the two sides were measured in different runs."""
    if base is None and head is None:
        raise ValueError("compare_one needs a measurement on at least one side")
    case = Case(base, head, gate, calibration, across_runs)
    for rule in ordered():
        if (change := rule.judge(case)) is not None:
            return change
    raise ValueError(f"{case.some.key}: no gate rule judged it (the wall-time rule always does)")


def compare(
    base: ResultSet,
    head: ResultSet,
    gate: GateConfig,
    calibration: Calibration | None = None,
    *,
    across_runs: bool = False,
) -> list[Change]:
    keys = list(dict.fromkeys([*base.measurements, *head.measurements]))
    return [
        compare_one(
            base.measurements.get(k),
            head.measurements.get(k),
            gate,
            calibration,
            across_runs=across_runs,
        )
        for k in keys
    ]
