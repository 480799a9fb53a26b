"""The deterministic proof: do the counted figures catch realistic regressions, and stay
quiet on unchanged code?

In a scratch clone it commits, on top of the base, heads with the regressions real pull
requests bring (``afirgen_bench.injections``): a loop of fixed work sized to +1 %, +2 % and
+5 % of the operation's instruction count, in a backend function of every area (an API route
among them); a query sent twice; a cache-aside read that no longer hits; an index dropped by
a migration. Each head is benchmarked with the cost suite in several separate asv runs and
judged against the base by the gate. Unchanged code is measured in several separate runs
too (the base and comment-only twins) and every pair of those is judged: no deterministic
figure of the whole suite may be flagged.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from afirgen_bench.core.errors import HarnessError
from afirgen_bench.core.models import NoiseSource, Verdict
from afirgen_bench.injections import (
    dropped_index_migration,
    fixed_work,
    lost_cache_hit,
    repeated_query,
)
from afirgen_bench.proof import SCALES_ENV, _git, measure_in_scratch, scratch_clone

COST_ONLY_ENV = "AFIRGEN_BENCH_COST_ONLY"  # benchmarks/cost.py ONLY_ENV (a test keeps them equal)
COST_SUITE = r"^cost\."
LEVELS = (1, 2, 5)
SIZING_ITERATIONS = 20_000
UNCHANGED = "cost-proof/unchanged"  # the unchanged measurements' folder under .asv/


@dataclass(frozen=True)
class Site:
    """Where a regression goes (``function`` in ``path``), and the cost operation whose
    ``unit`` figure must catch it."""

    kind: str
    area: str
    path: str
    function: str
    operation: str  # the cost benchmarks' parameter
    unit: str

    @property
    def key(self) -> str:
        return f"cost.{self.area}.track_{self.unit}('{self.operation}')"


FIXED_WORK = (
    Site(
        "fixed work",
        "Database",
        "afirgen_fixtures/db/repositories/fir.py",
        "FIRRepository.get_with_violations",
        "JoinQuery(10000)",
        "instructions",
    ),
    Site(
        "fixed work",
        "Cache",
        "afirgen_fixtures/cache/manager.py",
        "CacheManager.get",
        "CacheOperations.get_hit",
        "instructions",
    ),
    Site(
        "fixed work",
        "Generation",
        "afirgen_fixtures/generation/normalize.py",
        "normalize_complaint",
        "Generation.draft_cached(10000)",
        "instructions",
    ),
    Site(
        "fixed work",
        "Api",
        "afirgen_fixtures/api/routes/sessions.py",
        "session_status",
        "GetSessionStatus",
        "instructions",
    ),
)
EXTRA_QUERY = (
    Site(
        "extra query",
        "Database",
        "afirgen_fixtures/db/repositories/fir.py",
        "FIRRepository.get_with_violations",
        "JoinQuery(10000)",
        "queries",
    ),
    Site(
        "extra query",
        "Database",
        "afirgen_fixtures/db/repositories/fir.py",
        "FIRRepository.page_offset",
        "CursorPagination(10000, 1000, offset)",
        "queries",
    ),
    Site(
        "extra query",
        "Api",
        "afirgen_fixtures/db/repositories/base.py",
        "BaseRepository.get_by_id",
        "GetSessionStatus",
        "queries",
    ),
)
LOST_CACHE_HIT = Site(  # the repository's cache-aside read: a miss reads MariaDB
    "lost cache hit",
    "Cache",
    "afirgen_fixtures/cache/manager.py",
    "CacheManager.get_or_fetch",
    "CachePerformanceImprovement.cached_read(100000)",
    "queries",
)
DROPPED_INDEX = Site(
    "dropped index",
    "Database",
    "afirgen_fixtures/db/migrations",
    "idx_fir_status_created (status, created_at, id)",
    "SelectWithWhere(10000)",
    "rows",
)


@dataclass
class Detection:
    """One injected regression in one run: the figure's ratio and whether it failed."""

    run: int
    head: str  # "+1 % fixed work", "extra query", ...
    kind: str
    key: str
    ratio: float | None
    base_value: float | None
    head_value: float | None
    flagged: bool


def _commit(scratch: Path, base: str, message: str, edit: Callable[[Path], None]) -> str:
    _git(scratch, "checkout", "--quiet", "--detach", base)
    edit(scratch)
    _git(scratch, "add", "-A")
    _git(scratch, "commit", "--quiet", "-m", message)
    head = _git(scratch, "rev-parse", "HEAD")
    _git(scratch, "checkout", "--quiet", "--detach", base)
    return head


def _rewrite(scratch: Path, site: Site, change: Callable[[str, str], str]) -> None:
    path = scratch / site.path
    path.write_text(change(path.read_text(), site.function))


def _drop_index(scratch: Path) -> None:
    folder = scratch / DROPPED_INDEX.path
    versions = [int(p.name[:4]) for p in folder.glob("[0-9][0-9][0-9][0-9]_*.up.sql")]
    name = f"{max(versions) + 1:04d}_proof_drop_status_index"
    index, _, columns = DROPPED_INDEX.function.partition(" ")
    up, down = dropped_index_migration("fir_records", index, columns.strip("()"))
    (folder / f"{name}.up.sql").write_text(up)
    (folder / f"{name}.down.sql").write_text(down)


def only_pattern(operations: list[str]) -> str:
    return "^(" + "|".join(re.escape(op) for op in sorted(set(operations))) + ")$"


def _measure(
    scratch: Path, commits: list[str], folder: str, machine: str, only: list[str] | None
) -> Path:
    if only:
        os.environ[COST_ONLY_ENV] = only_pattern(only)
    else:
        os.environ.pop(COST_ONLY_ENV, None)
    return measure_in_scratch(scratch, commits, COST_SUITE, folder, machine)


def _value(results_dir: Path, machine: str, commit: str, key: str) -> float:
    from afirgen_bench.judge import load_results

    measurement = load_results(results_dir, machine, commit).measurements.get(key)
    if measurement is None or measurement.value is None:
        raise HarnessError(f"no figure for {key} at {commit[:8]} in the proof")
    return measurement.value


def unchanged_pairs(
    scratch: Path, base: str, runs: int, machine: str, progress: Callable[[str], None]
) -> dict[str, Any]:
    """``runs`` separate measurements of the same code (the base and comment-only twins,
    each its own commit and run of the probes); every pair judged by the gate."""
    twins = [
        _commit(
            scratch,
            base,
            f"proof: unchanged code, twin {n}",
            lambda root: _rewrite(root, FIXED_WORK[0], lambda s, f: fixed_work(s, f, 0)),
        )
        for n in range(1, runs)
    ]
    progress(f"unchanged code: {runs} separate measurements of the whole cost suite")
    _measure(scratch, [base, *twins], UNCHANGED, machine, None)
    return judge_unchanged(scratch, base, machine)


def judge_unchanged(scratch: Path, base: str, machine: str) -> dict[str, Any]:
    """Every pair of the unchanged measurements kept in the scratch clone, judged."""
    from afirgen_bench.judge import judge, load_rules

    results_dir = scratch / ".asv" / UNCHANGED / "results"
    commits = [
        json.loads(path.read_text())["commit_hash"]
        for path in sorted((results_dir / machine).glob("*-*.json"))
    ]
    rules = load_rules(scratch, machine, at_commit=base)
    pairs, flagged, figures = 0, [], 0
    for first, second in itertools.combinations(commits, 2):
        judgement = judge(scratch, first, second, results_dir, machine, rules=rules)
        exact = [c for c in judgement.changes if c.noise_source is NoiseSource.EXACT]
        figures = max(figures, len(exact))
        pairs += 1
        flagged += [
            f"{first[:8]}->{second[:8]} {c.key} {c.verdict} ({c.reason})"
            for c in exact
            if c.verdict in (Verdict.REGRESSION, Verdict.IMPROVEMENT)
        ]
    return {
        "measurements": len(commits),
        "pairs": pairs,
        "figures_per_pair": figures,
        "flagged": flagged,
    }


def iteration_cost(scratch: Path, base: str, machine: str) -> float:
    """Instructions one step of the injected loop costs, measured under Callgrind."""
    site = FIXED_WORK[0]
    head = _commit(
        scratch,
        base,
        f"proof: sizing loop of {SIZING_ITERATIONS} steps",
        lambda root: _rewrite(root, site, lambda s, f: fixed_work(s, f, SIZING_ITERATIONS)),
    )
    results_dir = _measure(scratch, [base, head], "cost-proof/sizing", machine, [site.operation])
    added = _value(results_dir, machine, head, site.key) - _value(
        results_dir, machine, base, site.key
    )
    if added <= 0:
        raise HarnessError("the sizing loop added no instructions: is the probe counting?")
    return added / SIZING_ITERATIONS


def make_heads(
    scratch: Path, base: str, base_instructions: dict[str, float], per_step: float
) -> dict[str, tuple[str, list[Site]]]:
    """Head name -> (commit, the sites whose figure must catch it)."""
    heads: dict[str, tuple[str, list[Site]]] = {}
    for level in LEVELS:

        def edit(root: Path, level: int = level) -> None:
            for site in FIXED_WORK:
                steps = math.ceil(level / 100 * base_instructions[site.key] / per_step)
                _rewrite(root, site, lambda s, f, n=steps: fixed_work(s, f, n))

        name = f"+{level}% fixed work"
        heads[name] = (_commit(scratch, base, f"proof: {name}", edit), list(FIXED_WORK))

    def queries(root: Path) -> None:
        for site in EXTRA_QUERY:
            _rewrite(root, site, repeated_query)

    heads["extra query"] = (
        _commit(scratch, base, "proof: a query sent twice", queries),
        list(EXTRA_QUERY),
    )
    heads["lost cache hit"] = (
        _commit(
            scratch,
            base,
            "proof: a cache-aside read that never hits",
            lambda root: _rewrite(root, LOST_CACHE_HIT, lost_cache_hit),
        ),
        [LOST_CACHE_HIT],
    )
    heads["dropped index"] = (
        _commit(scratch, base, "proof: a migration drops an index", _drop_index),
        [DROPPED_INDEX],
    )
    return heads


def detections(
    scratch: Path,
    base: str,
    heads: dict[str, tuple[str, list[Site]]],
    run: int,
    machine: str,
) -> list[Detection]:
    from afirgen_bench.judge import judge, load_rules

    sites = [site for _commit_sha, listed in heads.values() for site in listed]
    commits = [base, *(commit for commit, _sites in heads.values())]
    results_dir = _measure(
        scratch, commits, f"cost-proof/run-{run}", machine, [s.operation for s in sites]
    )
    rules = load_rules(scratch, machine, at_commit=base)
    found = []
    for name, (commit, listed) in heads.items():
        judgement = judge(scratch, base, commit, results_dir, machine, rules=rules)
        changes = {c.key: c for c in judgement.changes}
        for site in listed:
            change = changes.get(site.key)
            found.append(
                Detection(
                    run=run,
                    head=name,
                    kind=site.kind,
                    key=site.key,
                    ratio=change.ratio if change else None,
                    base_value=change.base.value if change and change.base else None,
                    head_value=change.head.value if change and change.head else None,
                    flagged=bool(change and change.verdict is Verdict.REGRESSION),
                )
            )
    return found


def markdown(data: dict[str, Any]) -> str:
    lines = [
        f"# Deterministic proof on {data['machine']}, {data['date']}",
        "",
        f"Command: `{data['command']}`. Base {data['base'][:8]}; {data['minutes']:.0f} minutes. "
        "Each head is benchmarked with the cost suite (`benchmarks/cost.py`) in "
        f"{data['runs']} separate asv runs and judged against the base by the gate "
        "(instructions flagged at 1 %, queries, rows and commands at any change). One step of "
        f"the injected loop costs {data['instructions_per_step']:.1f} instructions.",
        "",
        "| head | regression | figure | base | head | ratio | flagged |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    by_site: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in data["detections"]:
        by_site.setdefault((row["head"], row["key"]), []).append(row)
    for (head, key), rows in by_site.items():
        first = rows[0]
        ratio = "-" if first["ratio"] is None else f"{first['ratio']:.4f}"
        lines.append(
            f"| {head} | {first['kind']} | `{key}` | {first['base_value']:,.6g} | "
            f"{first['head_value']:,.6g} | {ratio} | "
            f"{sum(r['flagged'] for r in rows)}/{len(rows)} runs |"
        )
    unchanged = data["unchanged"]
    lines += [
        "",
        f"Unchanged code: {unchanged['measurements']} separate measurements of the whole cost "
        f"suite, {unchanged['pairs']} pairs "
        f"({unchanged['figures_per_pair']} deterministic figures each), "
        f"{len(unchanged['flagged'])} figure(s) flagged.",
        *(f"- {item}" for item in unchanged["flagged"]),
    ]
    return "\n".join(lines) + "\n"


def run_cost_proof(
    root: Path,
    *,
    machine: str,
    runs: int,
    unchanged: int,
    out: Path,
    progress: Callable[[str], None],
    resume: bool = False,
) -> dict[str, Any]:
    """The proof; ``resume`` keeps the scratch clone and its unchanged measurements from an
    earlier, interrupted proof and judges them again instead of measuring them."""
    if runs < 1 or unchanged < 2:
        raise HarnessError("need at least one run per head and two unchanged measurements")
    started = time.monotonic()
    os.environ.update(SCALES_ENV)
    scratch = root / ".asv" / "proof" / "repo"
    if resume and (scratch / ".asv" / UNCHANGED / "results").is_dir():
        base = _git(scratch, "rev-parse", "HEAD")
        progress(f"resuming: judging the unchanged measurements kept for {base[:8]}")
        quiet = judge_unchanged(scratch, base, machine)
    else:
        scratch = scratch_clone(root)
        base = _git(scratch, "rev-parse", "HEAD")
        quiet = unchanged_pairs(scratch, base, unchanged, machine, progress)
    progress(f"unchanged: {len(quiet['flagged'])} flagged in {quiet['pairs']} pairs")
    per_step = iteration_cost(scratch, base, machine)
    progress(f"one loop step costs {per_step:.1f} instructions")
    sizing_dir = scratch / ".asv" / UNCHANGED / "results"
    base_instructions = {
        site.key: _value(sizing_dir, machine, base, site.key) for site in FIXED_WORK
    }
    heads = make_heads(scratch, base, base_instructions, per_step)
    found: list[Detection] = []
    for run in range(1, runs + 1):
        found += detections(scratch, base, heads, run, machine)
        caught = sum(d.flagged for d in found)
        progress(f"run {run}/{runs}: {caught}/{len(found)} injected regressions flagged")
    data = {
        "machine": machine,
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "command": f"python -m afirgen_bench proof --deterministic --runs {runs} "
        f"--unchanged {unchanged}",
        "base": base,
        "runs": runs,
        "minutes": (time.monotonic() - started) / 60,
        "instructions_per_step": per_step,
        "heads": {name: commit for name, (commit, _sites) in heads.items()},
        "detections": [asdict(d) for d in found],
        "unchanged": quiet,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(data, indent=1) + "\n")
    out.with_suffix(".md").write_text(markdown(data))
    return data
