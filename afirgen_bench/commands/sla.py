"""``sla``: one commit's stored results against sla.toml (also ``run --check-sla``)."""

from __future__ import annotations

import argparse

from afirgen_bench.commands._arguments import given
from afirgen_bench.commands._base import Command
from afirgen_bench.core.errors import ExitCode, HarnessError
from afirgen_bench.workspace import Workspace


class Sla(Command):
    name = "sla"
    help = "check one commit's results against sla.toml"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("commit", nargs="?", type=given, default="HEAD")
        parser.add_argument("--results-dir", type=given, default=None)

    def run(self, args: argparse.Namespace, workspace: Workspace) -> int:
        return check_sla(workspace, args.commit)


def check_sla(workspace: Workspace, revision: str) -> int:
    """Print every SLA verdict of ``revision`` and return the exit code: 1 on a breach, 2
    when a limit cannot be judged or sla.toml judged nothing (a silent pass would lie)."""
    from afirgen_bench.core.sla import SlaStatus, check_all, idle_sections
    from afirgen_bench.git import resolve_commit
    from afirgen_bench.rules import check_rules

    index = workspace.results.index()
    results = workspace.results.load(resolve_commit(workspace.root, revision), index)
    rules = workspace.rules
    check_rules(rules, index)
    verdicts = check_all(results, rules.sla.benchmarks)
    judged = [v for v in verdicts if v.status in (SlaStatus.PASS, SlaStatus.FAIL)]
    idle = idle_sections(results, rules.sla.benchmarks)  # [load_test]: `afirgen_bench load`
    for verdict in verdicts:
        detail = "; ".join(str(b) for b in verdict.breaches)
        detail = "; ".join(filter(None, [detail, verdict.reason]))
        print(f"{verdict.status:<12} {verdict.key}  {detail}")
    failed = [v for v in verdicts if v.status is SlaStatus.FAIL]
    unjudged = [v for v in verdicts if v.status is SlaStatus.CANNOT_JUDGE]
    print(
        f"\n{sum(v.status is SlaStatus.PASS for v in verdicts)} within their limits, "
        f"{len(failed)} breaching, {len(unjudged)} cannot be judged (failed or invalid)"
    )
    if idle:
        print(f"{len(idle)} section(s) of sla.toml judged nothing here: {', '.join(idle)}")
    if not judged:
        raise HarnessError(
            f"sla.toml judged nothing at {revision}: no section's benchmark has a figure in "
            "these results (benchmark the commit first, or with the benchmarks it limits)"
        )
    if unjudged:
        return ExitCode.CANNOT_JUDGE
    return ExitCode.VERDICT_FAILED if failed else ExitCode.OK
