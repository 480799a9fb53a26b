"""``show``: one benchmark's history, commit by commit, from the stored results."""

from __future__ import annotations

import re

from afirgen_bench.core.errors import HarnessError
from afirgen_bench.core.reports import fmt_seconds
from afirgen_bench.core.stats import describe
from afirgen_bench.git import backend_commits
from afirgen_bench.workspace import Workspace


def benchmark_history(workspace: Workspace, pattern: str) -> list[str]:
    """Rows of median and P95 per backend commit for the benchmarks matching ``pattern``, from
    the results stored in ``workspace``."""
    try:
        matcher = re.compile(pattern)
    except re.error as exc:
        raise HarnessError(f"'{pattern}' is not a valid regular expression: {exc}") from exc
    done = workspace.results.commits()
    rows = []
    for commit in backend_commits(workspace.root):
        if commit[:8] not in done:
            continue
        try:
            results = workspace.results.load(commit)
        except HarnessError as exc:  # one unreadable file must not hide the others' history
            rows.append(f"{commit[:8]}  unreadable: {exc}")
            continue
        for key, m in results.measurements.items():
            if not matcher.search(key) or m.value is None:
                continue
            if m.problem:
                rows.append(f"{commit[:8]}  {key}  invalid: {m.problem}")
            elif m.kind == "track":
                rows.append(f"{commit[:8]}  {key}  {m.value:.4g} {m.unit}")
            else:
                p95 = fmt_seconds(describe(m.rounds or [m.samples]).p95) if m.samples else "-"
                rows.append(
                    f"{commit[:8]}  {key}  median {fmt_seconds(m.value)}  p95 {p95}  "
                    f"n={len(m.samples)}"
                )
    return rows
