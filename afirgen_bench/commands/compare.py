"""``compare``: head judged against base from the stored results."""

from __future__ import annotations

import argparse
from pathlib import Path

from afirgen_bench.commands._arguments import given
from afirgen_bench.commands._base import Command
from afirgen_bench.commands._output import verdict
from afirgen_bench.core.errors import HarnessError
from afirgen_bench.workspace import Workspace


class Compare(Command):
    name = "compare"
    help = "judge head against base from stored results (the 5 %% gate + SLA)"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("base", type=given, default="HEAD~1")
        parser.add_argument("head", type=given, default="HEAD")
        parser.add_argument("--results-dir", type=given, default=None)
        parser.add_argument(
            "--reports", type=given, default=None, help="also write the reports here"
        )
        parser.add_argument(
            "--run-missing",
            action="store_true",
            help="benchmark a commit first if it has no results",
        )

    def run(self, args: argparse.Namespace, workspace: Workspace) -> int:
        from afirgen_bench.core.reports import comment_markdown, summary_text, write_reports
        from afirgen_bench.judge import judge, refuse_swapped

        refuse_swapped(workspace.root, args.base, args.head)
        if args.run_missing:
            _benchmark_missing(workspace, [args.base, args.head])
        judgement = judge(workspace, args.base, args.head)
        if args.reports:
            write_reports(judgement, Path(args.reports))
        print(summary_text(judgement))
        print(comment_markdown(judgement))
        return verdict(judgement)


def _benchmark_missing(workspace: Workspace, revisions: list[str]) -> None:
    """Benchmark the revisions that have no results in the workspace yet (--run-missing)."""
    from afirgen_bench.git import resolve_commit
    from afirgen_bench.runner import run_commits

    done = workspace.results.commits()
    resolved = (resolve_commit(workspace.root, r) for r in revisions)
    missing = [c for c in resolved if c[:8] not in done]
    if missing:
        failed = run_commits(workspace, missing, bench=None, config=None)
        if failed:
            raise HarnessError(f"benchmarks failed on {workspace.machine}: {', '.join(failed)}")
