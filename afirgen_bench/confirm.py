"""Confirming suspected wall-time regressions: base and head benchmarked again, interleaved in
one run, and only the regressions that reproduce kept.

The PR check uses it on its own first pass; the main job on results of different runs, whose
wall times carry the machine's drift (1.5-2.2x within an hour on 2026-12-04). Counted
figures need no second look: counted again, they count the same.
"""

from __future__ import annotations

import re
from pathlib import Path

from afirgen_bench.core.verdict import SETTLED, Judgement
from afirgen_bench.judge import Rules, judge, load_index, pr_config
from afirgen_bench.runner import log, run_commits

SCALES_ENV = "AFIRGEN_BENCH_SCALES"
SCALE_PARAM = "scale"


def confirm_regressions(
    root: Path,
    base: str,
    head: str,
    judgement: Judgement,
    *,
    machine: str,
    rules: Rules,
    results_dir: Path,
    folder: str,
) -> None:
    """Re-run the suspected wall-time regressions of ``judgement`` for ``base`` and ``head``
    (in ``.asv/<folder>/``, never the history's results) and keep only those flagged again.
    A suspect that fails or vanishes in the re-run cannot pass: it takes that verdict."""
    suspects = [c for c in judgement.regressions if c.noise_source not in SETTLED]
    if not suspects:
        return
    names = sorted({c.benchmark for c in suspects})
    log(f"confirming {len(names)} suspected regression(s) by re-running them")
    config, rerun_dir = pr_config(root, folder)
    scales = suspect_scales(
        [(c.benchmark, c.head.params if c.head else ()) for c in suspects],
        _param_names(results_dir),
    )
    failed = run_commits(
        root,
        [base, head],
        machine=machine,
        bench=rerun_pattern(names),
        config=config,
        results_dir=rerun_dir,
        extra_env={SCALES_ENV: ",".join(map(str, scales))} if scales else None,
    )
    rerun = judge(root, base, head, rerun_dir, machine, rules=rules)
    judgement.run_failures.extend(f"{name} (confirmation re-run)" for name in failed)
    judgement.keep_confirmed(rerun)


def rerun_pattern(names: list[str]) -> str:
    """An asv ``--bench`` pattern for exactly these benchmarks, at any parameters."""
    return "^(" + "|".join(re.escape(name) for name in names) + r")(\(|$)"


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


def _param_names(results_dir: Path) -> dict[str, list[str]]:
    """Each benchmark's parameter names, from asv's index next to the results."""
    return {name: entry.param_names for name, entry in load_index(results_dir).items()}
