"""The proof harness: does the PR check catch a known slowdown, and stay quiet without one?

In a scratch clone (``.asv/proof/repo``) it commits, on top of the base, one head per level
with a known injected slowdown: a busy-wait of ``level`` times the benchmark's own median,
measured on the base first, at the top of the backend function the benchmark calls (level 0
is a comment: the same code under another hash). Then, repetition after repetition, it runs
the PR check's measurement on the base and every head interleaved in one asv run, judges
each head against the base with the gate and the calibration, re-runs suspected regressions
to confirm them as the PR check does, and counts how often each was flagged.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from afirgen_bench.core.errors import HarnessError
from afirgen_bench.core.models import Verdict
from afirgen_bench.git import git
from afirgen_bench.injections import find_function
from afirgen_bench.workspace import Workspace

if TYPE_CHECKING:
    from collections.abc import Callable

    from afirgen_bench.core.verdict import Judgement

SCALES_ENV = {"AFIRGEN_BENCH_SCALES": "10000"}  # one data-set size keeps each run short


@dataclass(frozen=True)
class Target:
    """A benchmark (result key) and the backend function it spends its time in."""

    key: str
    path: str
    function: str  # "Class.method" or "function"


# One benchmark per area, a gating one where the area has any (calibration/); the functions
# are disjoint: no benchmark here calls another's function.
TARGETS = (
    Target(
        "api.GetFirStatus.time_get_fir_status", "afirgen_fixtures/api/routes/firs.py", "get_fir"
    ),
    Target(
        "cache.CacheOperations.time_set",
        "afirgen_fixtures/cache/manager.py",
        "CacheManager.set",
    ),
    Target(
        "database.SimpleSelectById.time_select_by_id(10000)",
        "afirgen_fixtures/db/repositories/fir.py",
        "FIRRepository.get_by_id",
    ),
    Target(
        "generation.Generation.time_extract_facts(10000)",
        "afirgen_fixtures/generation/extract.py",
        "extract_facts",
    ),
)


def inject(source: str, function: str, seconds: float) -> str:
    """``source`` with a busy-wait of ``seconds`` as the first statement of ``function``
    (after its docstring); 0 seconds adds only a comment."""
    node = find_function(ast.parse(source), function.split("."))
    body = node.body
    first = body[1] if ast.get_docstring(node) is not None and len(body) > 1 else body[0]
    indent = " " * first.col_offset
    if seconds > 0:
        lines = [
            f"{indent}_proof_until = __import__('time').perf_counter() + {seconds!r}",
            f"{indent}while __import__('time').perf_counter() < _proof_until:",
            f"{indent}    pass",
        ]
    else:
        lines = [f"{indent}# proof harness: unchanged code under another commit"]
    source_lines = source.splitlines()
    at = first.lineno - 1
    return "\n".join([*source_lines[:at], *lines, *source_lines[at:]]) + "\n"


_PROOF_IDENTITY = {
    "GIT_AUTHOR_NAME": "afirgen-proof",
    "GIT_AUTHOR_EMAIL": "proof@afirgen.invalid",
    "GIT_COMMITTER_NAME": "afirgen-proof",
    "GIT_COMMITTER_EMAIL": "proof@afirgen.invalid",
}


def _git(repo: Path, *args: str) -> str:
    return git(repo, *args, env=_PROOF_IDENTITY)


def scratch_clone(root: Path) -> Path:
    """A fresh clone of this repository's HEAD, so injected commits never touch it."""
    scratch = root / ".asv" / "proof" / "repo"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.parent.mkdir(parents=True, exist_ok=True)
    _git(root, "clone", "--quiet", str(root), str(scratch))
    return scratch


def make_heads(
    scratch: Path, base: str, levels: list[int], medians: dict[str, float]
) -> dict[int, str]:
    """One commit per level on top of ``base``, each slowing every target by that level."""
    heads = {}
    for level in levels:
        _git(scratch, "checkout", "--quiet", "--detach", base)
        for target in TARGETS:
            path = scratch / target.path
            seconds = medians[target.key] * level / 100
            path.write_text(inject(path.read_text(), target.function, seconds))
        _git(scratch, "commit", "--quiet", "-am", f"proof: +{level}% in {len(TARGETS)} functions")
        heads[level] = _git(scratch, "rev-parse", "HEAD")
    _git(scratch, "checkout", "--quiet", "--detach", base)
    return heads


def bench_pattern(keys: list[str]) -> str:
    names = sorted({key.split("(", 1)[0] for key in keys})
    # asv matches parameterised benchmarks as "name(params)"
    return "^(" + "|".join(re.escape(name) for name in names) + r")(\(|$)"


@dataclass
class Outcome:
    """One benchmark in one PR check: flagged in the first pass (``suspected``), flagged
    again in the confirmation re-run (``confirmed``); ``advisory``: its noise hides the
    threshold, so it promises only its minimum detectable effect."""

    repetition: int
    level: int
    key: str
    ratio: float | None
    suspected: bool
    confirmed: bool
    advisory: bool


def measure_in_scratch(
    scratch: Workspace, commits: list[str], pattern: str, folder: str
) -> Workspace:
    """``commits`` benchmarked in the scratch clone, into ``.asv/<folder>/results``: the
    scratch workspace reading that folder."""
    from afirgen_bench.judge import pr_config
    from afirgen_bench.runner import run_commits

    config, results_dir = pr_config(scratch.root, folder)
    measured = scratch.with_results(results_dir)
    failed = run_commits(measured, commits, bench=pattern, config=config)
    if failed:
        raise HarnessError(f"benchmarks failed during the proof: {', '.join(failed)}")
    return measured


def base_medians(scratch: Workspace, base: str) -> dict[str, float]:
    pattern = bench_pattern([t.key for t in TARGETS])
    base_run = measure_in_scratch(scratch, [base], pattern, "proof/base")
    measured = base_run.results.load(base).measurements
    missing = [t.key for t in TARGETS if t.key not in measured or not measured[t.key].samples]
    if missing:
        raise HarnessError(f"no samples for {', '.join(missing)} at the base")
    return {t.key: statistics.median(measured[t.key].samples) for t in TARGETS}


def repetition(scratch: Workspace, base: str, heads: dict[int, str], number: int) -> list[Outcome]:
    """One PR check of every head against the base, confirmation included, judged by the
    base's rules as the PR check is."""
    from afirgen_bench.judge import judge

    rules = scratch.rules_at(base)

    keys = [t.key for t in TARGETS]
    commits = [base, *heads.values()]
    if number % 2 == 0:
        commits.reverse()  # alternate which side runs first
    measured = measure_in_scratch(scratch, commits, bench_pattern(keys), f"proof/run-{number}")
    first = {level: judge(measured, base, head, rules=rules) for level, head in heads.items()}
    suspects = {level: j for level, j in first.items() if _flagged(j, keys)}
    if suspects:
        names = [c.key for j in suspects.values() for c in j.regressions if c.key in keys]
        confirmed = measure_in_scratch(
            scratch,
            [base, *(heads[level] for level in suspects)],
            bench_pattern(names),
            f"proof/run-{number}-confirm",
        )
        for level in suspects:
            again = judge(confirmed, base, heads[level], rules=rules)
            first[level] = first[level].keep_confirmed(
                {c.key: c for c in again.changes}, "re-run in the proof's scratch clone"
            )
    outcomes = []
    for level, judgement in first.items():
        changes = {c.key: c for c in judgement.changes}
        confirmed = {c.key for c in judgement.regressions}
        suspected = {
            c.key
            for c in judgement.changes
            if c.verdict in (Verdict.REGRESSION, Verdict.UNCONFIRMED)
        }
        for key in keys:
            change = changes.get(key)
            outcomes.append(
                Outcome(
                    repetition=number,
                    level=level,
                    key=key,
                    ratio=change.ratio if change else None,
                    suspected=key in suspected,
                    confirmed=key in confirmed,
                    advisory=bool(change and change.advisory),
                )
            )
    return outcomes


def _flagged(judgement: Judgement, keys: list[str]) -> bool:
    return any(c.key in keys for c in judgement.regressions)


def summarize(outcomes: list[Outcome]) -> dict[str, Any]:
    """Flag rates per level, per benchmark and for the whole gate (any benchmark failing)."""
    levels = sorted({o.level for o in outcomes})
    keys = list(dict.fromkeys(o.key for o in outcomes))
    per_key = {}
    for key in keys:
        per_key[key] = {}
        for level in levels:
            rows = [o for o in outcomes if o.key == key and o.level == level]
            ratios = [o.ratio for o in rows if o.ratio is not None]
            per_key[key][level] = {
                "checks": len(rows),
                "suspected": sum(o.suspected for o in rows),
                "confirmed": sum(o.confirmed for o in rows),
                "median_ratio": statistics.median(ratios) if ratios else None,
                "advisory": any(o.advisory for o in rows),
            }
    gate = {}
    for level in levels:
        checks = sorted({o.repetition for o in outcomes if o.level == level})
        failed = {o.repetition for o in outcomes if o.level == level and o.confirmed}
        gate[level] = {"checks": len(checks), "failed": len(failed)}
    return {"per_benchmark": per_key, "gate": gate}


def markdown(summary: dict[str, Any], meta: dict[str, Any]) -> str:
    levels = sorted(summary["gate"], key=int)
    lines = [
        f"# Proof of the PR gate on {meta['machine']}, {meta['date']}",
        "",
        f"Command: `{meta['command']}`. Base {meta['base'][:8]}; each repetition is one PR "
        "check of every head against the base (the PR check's interleaved rounds, then a "
        "confirmation re-run of suspects). Injected slowdown = level x the benchmark's base "
        f"median, busy-waited in the backend function it calls. {meta['minutes']:.0f} minutes.",
        "",
        "| benchmark | " + " | ".join(f"+{lv}% flagged" for lv in levels) + " |",
        "|---|" + "---:|" * len(levels),
    ]
    for key, by_level in summary["per_benchmark"].items():
        cells = []
        for level in levels:
            cell = by_level[level]
            ratio = "-" if cell["median_ratio"] is None else f"{cell['median_ratio']:.3f}"
            advisory = " (advisory)" if cell["advisory"] else ""
            cells.append(
                f"{cell['confirmed']}/{cell['checks']} (suspected {cell['suspected']}, "
                f"ratio {ratio}){advisory}"
            )
        lines.append(f"| `{key}` | " + " | ".join(cells) + " |")
    gate = [f"{summary['gate'][lv]['failed']}/{summary['gate'][lv]['checks']}" for lv in levels]
    lines.append("| **whole gate (any benchmark failed)** | " + " | ".join(gate) + " |")
    return "\n".join(lines) + "\n"


def run_proof(
    workspace: Workspace,
    *,
    pairs: int,
    levels: list[int],
    out: Path,
    progress: Callable[[str], None],
) -> dict[str, Any]:
    if pairs < 1 or not levels or any(level < 0 for level in levels):
        raise HarnessError("need at least one repetition and non-negative levels")
    started = time.monotonic()
    os.environ.update(SCALES_ENV)
    scratch = Workspace.at(scratch_clone(workspace.root), workspace.machine)
    base = _git(scratch.root, "rev-parse", "HEAD")
    progress(f"measuring the base {base[:8]} to size the injected slowdowns")
    medians = base_medians(scratch, base)
    heads = make_heads(scratch.root, base, levels, medians)
    progress("heads: " + ", ".join(f"+{lv}% {h[:8]}" for lv, h in heads.items()))
    outcomes: list[Outcome] = []
    meta = {
        "machine": scratch.machine,
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "command": f"python -m afirgen_bench proof levels --pairs {pairs} "
        f"--levels {','.join(map(str, levels))}",
        "base": base,
        "heads": {str(level): head for level, head in heads.items()},
        "base_medians_s": medians,
    }
    for number in range(1, pairs + 1):
        outcomes += repetition(scratch, base, heads, number)
        summary = summarize(outcomes)
        meta["minutes"] = (time.monotonic() - started) / 60
        tally = ", ".join(
            f"+{lv}%: {g['failed']}/{g['checks']} failed" for lv, g in summary["gate"].items()
        )
        progress(f"repetition {number}/{pairs} ({meta['minutes']:.0f} min): {tally}")
        out.parent.mkdir(parents=True, exist_ok=True)
        data = {**meta, "summary": summary, "outcomes": [o.__dict__ for o in outcomes]}
        out.with_suffix(".json").write_text(json.dumps(data, indent=1) + "\n")
        out.with_suffix(".md").write_text(markdown(summary, meta))
    return summary
