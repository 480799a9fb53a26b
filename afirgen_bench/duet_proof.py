"""The duet proof: does a duet catch slowdowns only time can see, and stay quiet without one?

In a scratch clone it commits, on top of the base, one head per realistic slowdown, each in a
function no other proof targets: a query plan made worse by an index hint (the same rows, a
filesort), a 0.5 ms sleep in a request path, a pool lock held 0.2 ms longer under the
concurrency benchmarks. Then, check after check, it measures each head against the base in a
duet of the benchmarks the slowdown lies under, and the base against itself over all of them
(A/A), and judges every pair with the gate and the calibration, as ``compare`` would.
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from afirgen_bench import injections
from afirgen_bench.core.change import Change
from afirgen_bench.core.duet import judge_pairs
from afirgen_bench.core.models import Kind, Measurement, Verdict
from afirgen_bench.duet import Target, benchmark_python, duet_design, duet_targets, run_duet
from afirgen_bench.proof import _git, scratch_clone
from afirgen_bench.workspace import Workspace


@dataclass(frozen=True)
class Slowdown:
    """A realistic slowdown: the file and the edit, and the benchmarks it lies under."""

    name: str
    path: str
    edit: Callable[[str], str]
    under: str  # a regex of the benchmark keys that must catch it


SLOWDOWNS = (
    Slowdown(
        "query plan: IGNORE INDEX FOR ORDER BY on OFFSET pages",
        "afirgen_fixtures/db/repositories/fir.py",
        lambda s: injections.hinted_query(
            s,
            "FIRRepository.page_offset",
            "fir_records",
            "IGNORE INDEX FOR ORDER BY (idx_fir_created)",
        ),
        r"^database\.CursorPagination\.time_page\(10000, (1000|10000), 'offset'\)$",
    ),
    Slowdown(
        "0.5 ms sleep in GET /fir/{n}/content",
        "afirgen_fixtures/api/routes/firs.py",
        lambda s: injections.sleep_first(s, "get_fir_content", 0.0005),
        r"^api\.GetFirContent\.time_get_fir_content$",
    ),
    Slowdown(
        "pool lock held 0.2 ms longer on check-in",
        "afirgen_fixtures/db/pool.py",
        lambda s: injections.longer_lock(s, "Pool._checkin", 0.0002),
        r"^api\.ConcurrentLoad\.time_concurrent_status\((5|10|15)\)$",
    ),
)
SCALES = {"AFIRGEN_BENCH_SCALES": "10000"}  # one data-set size keeps each check short


def make_heads(scratch: Path, base: str) -> dict[str, str]:
    """One commit per slowdown on top of ``base``."""
    heads = {}
    for slowdown in SLOWDOWNS:
        _git(scratch, "checkout", "--quiet", "--detach", base)
        path = scratch / slowdown.path
        path.write_text(slowdown.edit(path.read_text()))
        _git(scratch, "commit", "--quiet", "-am", f"proof: {slowdown.name}")
        heads[slowdown.name] = _git(scratch, "rev-parse", "HEAD")
    _git(scratch, "checkout", "--quiet", "--detach", base)
    return heads


def _flags(record: Any, targets: list[Target], rules: Any) -> dict[str, tuple[Verdict, float]]:
    """Each target's verdict and ratio on the record's pairs, judged as ``compare`` would."""
    found = {}
    for target in targets:
        figure = record.figures.get(target.key)
        if figure is None:
            continue
        m = Measurement(
            target.name, target.params, Kind.TIME, target.unit, 1.0, False, (), target.version
        )
        change = Change(target.key, target.name, Verdict.UNCHANGED, m, m)
        judged = judge_pairs(change, figure, rules.gate, rules.calibration, record.design)
        found[target.key] = (judged.verdict, judged.ratio or float("nan"))
    return found


def run_duet_proof(
    workspace: Workspace,
    *,
    checks: int,
    out: Path,
    progress: Callable[[str], None],
    resume: bool = False,
) -> dict[str, Any]:
    """``checks`` duets of every slowdown against the base, and ``checks`` A/A duets; writes
    OUT.json and OUT.md after every check. ``resume``: keep the checks OUT.json already holds
    when they measured the same backend with the same duet design, and take the rest."""
    root, rules = workspace.root, workspace.rules
    scratch = Workspace.at(scratch_clone(root), workspace.machine)
    base = _git(scratch.root, "rev-parse", "HEAD")
    backend = _git(scratch.root, "rev-parse", "HEAD:afirgen_fixtures")
    heads = make_heads(scratch.root, base)
    everything = duet_targets(workspace.results.index(), rules.gate, None)
    chosen = {s.name: [t for t in everything if re.search(s.under, t.key)] for s in SLOWDOWNS}
    union = [t for t in everything if any(t in ts for ts in chosen.values())]
    python = benchmark_python(root)
    earlier = _earlier_checks(out, backend, progress) if resume else None
    results: dict[str, list[dict[str, Any]]] = {s.name: [] for s in SLOWDOWNS}
    results["A/A"] = []
    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if earlier is not None:
        results, started = earlier
    done = len(results["A/A"])
    summary = _summary(results, base, backend, started, checks, done)
    for number in range(done + 1, checks + 1):
        for name, head, targets in [
            *((s.name, heads[s.name], chosen[s.name]) for s in SLOWDOWNS),
            ("A/A", base, union),
        ]:
            progress(f"check {number}/{checks}: {name}")
            record = run_duet(
                scratch,
                base,
                head,
                targets,
                progress=lambda _: None,
                python=python,
                extra_env=SCALES,
            )
            flags = _flags(record, targets, rules)
            results[name].append(
                {
                    "check": number,
                    "seconds": record.seconds,
                    "flagged": sorted(k for k, (v, _r) in flags.items() if v is Verdict.REGRESSION),
                    "ratios": {k: r for k, (_v, r) in flags.items()},
                    "problems": sorted(k for k, f in record.figures.items() if f.problem),
                }
            )
        summary = _summary(results, base, backend, started, checks, number)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.with_suffix(".json").write_text(json.dumps(summary, indent=1) + "\n")
        out.with_suffix(".md").write_text(markdown(summary))
    return summary


def _earlier_checks(
    out: Path, backend: str, progress: Callable[[str], None]
) -> tuple[dict[str, list[dict[str, Any]]], str] | None:
    """The checks of an interrupted proof in OUT.json and when it started, if they measured
    this backend tree with this duet design (anything else starts afresh, and says why)."""
    path = out.with_suffix(".json")
    if not path.exists():
        return None
    found = json.loads(path.read_text())
    if found.get("design") != duet_design() or found.get("backend_tree") != backend:
        progress(f"{path}: another backend or duet design; starting afresh")
        return None
    progress(f"{path}: resuming after {found['checks_done']} checks")
    done = found["checks_done"]
    return {name: checks[:done] for name, checks in found["checks"].items()}, found["started"]


def _summary(
    results: dict[str, list[dict[str, Any]]],
    base: str,
    backend: str,
    started: str,
    checks: int,
    done: int,
) -> dict[str, Any]:
    rows = []
    for name, found in results.items():
        ratios = [r for check in found for r in check["ratios"].values()]
        rows.append(
            {
                "slowdown": name,
                "checks": len(found),
                "flagged": sum(bool(c["flagged"]) for c in found),
                "problems": sum(bool(c["problems"]) for c in found),
                "median_ratio": statistics.median(ratios) if ratios else None,
                "seconds_per_check": statistics.median(c["seconds"] for c in found)
                if found
                else None,
            }
        )
    return {
        "base": base,
        "backend_tree": backend,
        "started": started,
        "checks_planned": checks,
        "checks_done": done,
        "design": duet_design(),
        "rows": rows,
        "checks": results,
    }


def markdown(summary: dict[str, Any]) -> str:
    lines = [
        f"# Duet proof ({summary['checks_done']} of {summary['checks_planned']} checks)",
        "",
        f"`python -m afirgen_bench proof duet --checks {summary['checks_planned']}`, started "
        f"{summary['started']} at `{summary['base'][:8]}`; duet design `{summary['design']}`. "
        "A slowdown is caught in a check when any "
        "benchmark it lies under is flagged; an A/A check is a false alarm when any is.",
        "",
        "| slowdown | checks | flagged | median head/base | seconds per check |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in summary["rows"]:
        ratio = "-" if row["median_ratio"] is None else f"{row['median_ratio']:.3f}"
        seconds = "-" if row["seconds_per_check"] is None else f"{row['seconds_per_check']:.0f}"
        lines.append(
            f"| {row['slowdown']} | {row['checks']} | {row['flagged']} | {ratio} | {seconds} |"
        )
    return "\n".join(lines) + "\n"
