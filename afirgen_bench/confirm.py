"""Confirming suspected wall-time regressions of a PR check: base and head measured again
in a duet (``afirgen_bench.duet``), pair by pair, and only the regressions the pairs show
kept.

Counted figures need no second look: counted again, they count the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from afirgen_bench.core.duet import judge_pairs
from afirgen_bench.core.verdict import SETTLED, Judgement
from afirgen_bench.duet import duet_targets, run_duet
from afirgen_bench.duet_store import write_record
from afirgen_bench.rules import Rules
from afirgen_bench.runner import log

if TYPE_CHECKING:
    from afirgen_bench.workspace import Workspace

SCALES_ENV = "AFIRGEN_BENCH_SCALES"
SCALE_PARAM = "scale"


def confirm_regressions(
    workspace: Workspace,
    base: str,
    head: str,
    judgement: Judgement,
    *,
    rules: Rules,
    folder: str,
) -> Judgement:
    """``judgement`` with its suspected wall-time regressions measured again in a duet of
    ``base`` and ``head`` (its pairs kept in ``.asv/<folder>/duet.json``), keeping only
    those the pairs flag. A suspect the duet could not measure cannot pass."""
    suspects = [c for c in judgement.regressions if c.noise_source not in SETTLED]
    if not suspects:
        return judgement
    root, index = workspace.root, workspace.results.index()
    keys = {c.key for c in suspects}
    targets = [t for t in duet_targets(index, rules.gate, None) if t.key in keys]
    log(f"confirming {len(suspects)} suspected regression(s) in a duet of base and head")
    scales = suspect_scales(
        [(c.benchmark, c.head.params if c.head else ()) for c in suspects],
        {name: entry.param_names for name, entry in index.items()},
    )
    again = {}
    if targets:
        record = run_duet(
            workspace,
            base,
            head,
            targets,
            extra_env={SCALES_ENV: ",".join(map(str, scales))} if scales else None,
        )
        write_record(record, root / ".asv" / folder / "duet.json")
        again = {
            c.key: judge_pairs(
                c, record.figures[c.key], rules.gate, rules.calibration, record.design
            )
            for c in suspects
            if c.key in record.figures
        }
    return judgement.keep_confirmed(again, "by a duet of base and head")


def suspect_scales(
    suspects: list[tuple[str, tuple[str, ...]]], param_names: dict[str, list[str]]
) -> list[int]:
    """The data-set scales the suspects were measured at, so the re-run measures them there
    too (a 1M result re-run at the default scales would vanish); empty when none has one."""
    scales = set()
    for benchmark, params in suspects:
        names = param_names.get(benchmark, [])
        if SCALE_PARAM in names and len(params) == len(names):
            scales.add(int(params[names.index(SCALE_PARAM)]))
    return sorted(scales)
