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

import json
import math
import os
import re
import shutil
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
from afirgen_bench.noop_edits import NoOp, noop_commits
from afirgen_bench.preflight import COST_SUITE
from afirgen_bench.proof import SCALES_ENV, _git, measure_in_scratch, scratch_clone
from afirgen_bench.workspace import Workspace

COST_ONLY_ENV = "AFIRGEN_BENCH_COST_ONLY"  # benchmarks/cost.py ONLY_ENV (a test keeps them equal)
LEVELS = (1, 2, 5)
SIZING_ITERATIONS = 20_000


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

    @property
    def keys(self) -> tuple[str, ...]:
        """The figures that must catch it: work added in Python shows in opcodes too."""
        if self.unit != "instructions":
            return (self.key,)
        return (self.key, f"cost.{self.area}.track_opcodes('{self.operation}')")


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
    """One injected regression in one run: the figure's ratio and whether the operation
    failed (on this figure, or on opcodes for work added in Python)."""

    run: int
    head: str  # "+1 % fixed work", "extra query", ...
    kind: str
    key: str
    ratio: float | None
    base_value: float | None
    head_value: float | None
    flagged: bool
    opcodes_ratio: float | None = None


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
    scratch: Workspace, commits: list[str], folder: str, only: list[str] | None
) -> Workspace:
    """Count ``commits`` in one asv run: ``only`` these operations, or all. The folder gets
    the suite's whole index (asv writes only the benchmarks it ran), so the gate's and the
    SLA's names are checked against the suite as in any judgement."""
    if only:
        os.environ[COST_ONLY_ENV] = only_pattern(only)
    else:
        os.environ.pop(COST_ONLY_ENV, None)
    measured = measure_in_scratch(scratch, commits, COST_SUITE, folder)
    shutil.copy2(scratch.results_dir / "benchmarks.json", measured.results_dir / "benchmarks.json")
    return measured


def _value(measured: Workspace, commit: str, key: str) -> float:
    measurement = measured.results.load(commit).measurements.get(key)
    if measurement is None or measurement.value is None:
        raise HarnessError(f"no figure for {key} at {commit[:8]} in the proof")
    return measurement.value


# The operations the no-op commits are counted on: every operation a regression is injected
# into, and those that moved most across no-op commits before (issue 21), in every area.
NOOP_OPERATIONS = (
    "JoinQuery(10000)",
    "SelectWithWhere(10000)",
    "Aggregation(10000)",
    "CursorPagination(10000, 1000, offset)",
    "CursorPagination(100000, 1000, offset)",
    "FullTextSearch(100000, complaints)",
    "SearchByQueryClass(10000, words)",
    "CacheOperations.get_hit",
    "NamespacedKeyGeneration",
    "CachePerformanceImprovement.cached_read(100000)",
    "BulkInsert(100)",
    "Generation.draft_cached(10000)",
    "GetSessionStatus",
    "ProcessText.cached",
)


@dataclass
class NoOpOutcome:
    """One no-op commit, counted in a run of its own, judged against the base's run."""

    title: str
    commit: str
    figures: int
    largest: str  # the figure that moved most, and by how much
    flagged: list[str]


def noop_outcome(
    scratch: Workspace, base: str, noop: NoOp, commit: str, base_run: Workspace
) -> NoOpOutcome:
    """Count ``commit`` in a run of its own and judge it against the base's run."""
    from afirgen_bench.judge import judge

    folder = f"cost-proof/noop-{noop.number}"
    measured = _measure(scratch, [commit], folder, list(NOOP_OPERATIONS))
    base_file = base_run.results.file(base)
    shutil.copy2(base_file, measured.results.machine_dir / base_file.name)
    rules = scratch.rules_at(base)
    judgement = judge(measured, base, commit, rules=rules, across_runs=True)
    exact = [c for c in judgement.changes if c.noise_source is NoiseSource.EXACT]
    moves = [(abs(c.ratio - 1), c) for c in exact if c.ratio is not None]
    move, moved = max(moves, key=lambda pair: pair[0], default=(0.0, None))
    return NoOpOutcome(
        title=noop.title,
        commit=commit,
        figures=len(exact),
        largest=f"{moved.key} {move:.3%} (flagged from {moved.limit:.2%})" if moved else "-",
        flagged=[
            f"{c.key} {c.verdict} ({c.reason})"
            for c in exact
            if c.verdict in (Verdict.REGRESSION, Verdict.IMPROVEMENT)
        ],
    )


def noop_proof(
    scratch: Workspace,
    base: str,
    noops: list[NoOp],
    progress: Callable[[str], None],
    done: Callable[[list[NoOpOutcome]], None],
) -> tuple[Workspace, list[NoOpOutcome]]:
    """The base counted in a run of its own, then each no-op commit in a run of its own,
    judged against it; ``done`` sees the outcomes so far after each."""
    progress(f"no-op proof: the base {base[:8]} counted in a run of its own")
    base_run = _measure(scratch, [base], "cost-proof/noop-base", list(NOOP_OPERATIONS))
    outcomes: list[NoOpOutcome] = []
    for number, noop in enumerate(noops, 1):
        commit = _commit(scratch.root, base, f"proof: {noop.title}", noop.apply)
        outcomes.append(noop_outcome(scratch, base, noop, commit, base_run))
        last = outcomes[-1]
        progress(
            f"no-op {number}/{len(noops)} ({noop.title}): {len(last.flagged)} of "
            f"{last.figures} figures flagged; largest move {last.largest}"
        )
        done(outcomes)
    return base_run, outcomes


def iteration_cost(scratch: Workspace, base: str) -> float:
    """Instructions one step of the injected loop costs, measured under Callgrind."""
    site = FIXED_WORK[0]
    head = _commit(
        scratch.root,
        base,
        f"proof: sizing loop of {SIZING_ITERATIONS} steps",
        lambda root: _rewrite(root, site, lambda s, f: fixed_work(s, f, SIZING_ITERATIONS)),
    )
    measured = _measure(scratch, [base, head], "cost-proof/sizing", [site.operation])
    added = _value(measured, head, site.key) - _value(measured, base, site.key)
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
    scratch: Workspace, base: str, heads: dict[str, tuple[str, list[Site]]], run: int
) -> list[Detection]:
    from afirgen_bench.judge import judge

    sites = [site for _commit_sha, listed in heads.values() for site in listed]
    commits = [base, *(commit for commit, _sites in heads.values())]
    measured = _measure(scratch, commits, f"cost-proof/run-{run}", [s.operation for s in sites])
    rules = scratch.rules_at(base)
    found: list[Detection] = []
    for name, (commit, listed) in heads.items():
        judgement = judge(measured, base, commit, rules=rules)
        changes = {c.key: c for c in judgement.changes}
        for site in listed:
            change = changes.get(site.key)
            opcodes = changes.get(site.keys[-1]) if len(site.keys) > 1 else None
            found.append(
                Detection(
                    run=run,
                    head=name,
                    kind=site.kind,
                    key=site.key,
                    ratio=change.ratio if change else None,
                    base_value=change.base.value if change and change.base else None,
                    head_value=change.head.value if change and change.head else None,
                    flagged=any(
                        changes.get(key) is not None and changes[key].verdict is Verdict.REGRESSION
                        for key in site.keys
                    ),
                    opcodes_ratio=opcodes.ratio if opcodes else None,
                )
            )
    return found


def markdown(data: dict[str, Any]) -> str:
    lines = [
        f"# Deterministic proof on {data['machine']}, {data['date']}",
        "",
        f"Command: `{data['command']}`. Base {data['base'][:8]}; {data['minutes']:.0f} minutes.",
        "",
        "## No-op commits",
        "",
        f"Each commit changes no executed code the way developers do; each is counted in an "
        f"asv run of its own ({len(NOOP_OPERATIONS)} operations: every one a regression is "
        "injected into below, and those that moved most on no-op commits before, in every "
        "area) and judged against the base counted in another run, by the gate with the "
        "committed calibration (each counted figure flagged beyond its tolerance).",
        "",
        "| no-op commit | figures judged | largest move | flagged |",
        "|---|---:|---|---:|",
    ]
    noops = data["noops"]
    for row in noops:
        lines.append(
            f"| {row['title']} | {row['figures']} | `{row['largest']}` | {len(row['flagged'])} |"
        )
    flagged = [item for row in noops for item in row["flagged"]]
    lines += [
        "",
        f"{len(flagged)} counted figure(s) flagged across {len(noops)} no-op commits.",
        *(f"- {item}" for item in flagged),
    ]
    if not data["detections"]:
        return "\n".join(lines) + "\n"
    lines += [
        "",
        "## Realistic regressions",
        "",
        f"Each head is counted in {data['runs']} separate asv runs with its base and judged "
        "against it by the gate. One step of the injected loop costs "
        f"{data['instructions_per_step']:.1f} instructions; the loop is sized to +1, +2 and "
        "+5 % of each operation's instructions.",
        "",
        "| head | regression | figure | base | head | ratio | opcodes ratio | flagged |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    by_site: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in data["detections"]:
        by_site.setdefault((row["head"], row["key"]), []).append(row)
    for (head, key), rows in by_site.items():
        first = rows[0]
        ratio = "-" if first["ratio"] is None else f"{first['ratio']:.4f}"
        opcodes = "-" if first["opcodes_ratio"] is None else f"{first['opcodes_ratio']:.4f}"
        lines.append(
            f"| {head} | {first['kind']} | `{key}` | {first['base_value']:,.6g} | "
            f"{first['head_value']:,.6g} | {ratio} | {opcodes} | "
            f"{sum(r['flagged'] for r in rows)}/{len(rows)} runs |"
        )
    return "\n".join(lines) + "\n"


def run_cost_proof(
    workspace: Workspace,
    *,
    runs: int,
    noops: int,
    out: Path,
    progress: Callable[[str], None],
) -> dict[str, Any]:
    """The proof: ``noops`` no-op commits, then the realistic regressions in ``runs`` runs
    (0: no-op commits only). OUT.md and OUT.json are rewritten after every step."""
    plan = noop_commits()
    if not 1 <= noops <= len(plan) or runs < 0:
        raise HarnessError(f"--noops takes 1-{len(plan)}, --runs 0 or more")
    started = time.monotonic()
    os.environ.update(SCALES_ENV)
    scratch = Workspace.at(scratch_clone(workspace.root), workspace.machine)
    base = _git(scratch.root, "rev-parse", "HEAD")
    data: dict[str, Any] = {
        "machine": scratch.machine,
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "command": f"python -m afirgen_bench proof deterministic --noops {noops} --runs {runs}",
        "base": base,
        "runs": runs,
        "minutes": 0.0,
        "noops": [],
        "detections": [],
    }

    def save() -> None:
        data["minutes"] = (time.monotonic() - started) / 60
        out.parent.mkdir(parents=True, exist_ok=True)
        out.with_suffix(".json").write_text(json.dumps(data, indent=1) + "\n")
        out.with_suffix(".md").write_text(markdown(data))

    def noops_done(outcomes: list[NoOpOutcome]) -> None:
        data["noops"] = [asdict(o) for o in outcomes]
        save()

    base_run, _outcomes = noop_proof(scratch, base, plan[:noops], progress, noops_done)
    if runs == 0:
        return data
    per_step = iteration_cost(scratch, base)
    progress(f"one loop step costs {per_step:.1f} instructions")
    base_instructions = {site.key: _value(base_run, base, site.key) for site in FIXED_WORK}
    heads = make_heads(scratch.root, base, base_instructions, per_step)
    data["instructions_per_step"] = per_step
    data["heads"] = {name: commit for name, (commit, _sites) in heads.items()}
    found: list[Detection] = []
    for run in range(1, runs + 1):
        found += detections(scratch, base, heads, run)
        data["detections"] = [asdict(d) for d in found]
        save()
        caught = sum(d.flagged for d in found)
        progress(f"run {run}/{runs}: {caught}/{len(found)} injected regressions flagged")
    return data
