"""``run``: one commit benchmarked into results/, optionally judged against the SLA."""

from __future__ import annotations

import argparse
import sys

from afirgen_bench.commands._arguments import given
from afirgen_bench.commands._base import Command
from afirgen_bench.commands.sla import check_sla
from afirgen_bench.core.errors import ExitCode
from afirgen_bench.workspace import Workspace


class Run(Command):
    name = "run"
    help = "benchmark one commit into results/ (pinned, raw samples)"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--commit", type=given, default="HEAD")
        parser.add_argument("--bench", default=None, help="asv -b regex: a subset of benchmarks")
        parser.add_argument(
            "--check-sla", action="store_true", help="then judge the SLA (exit 1 on a breach)"
        )

    def run(self, args: argparse.Namespace, workspace: Workspace) -> int:
        """Benchmark the commit (run has no --results-dir: always into results/)."""
        from afirgen_bench.git import resolve_commit
        from afirgen_bench.runner import run_commits

        commit = resolve_commit(workspace.root, args.commit)
        failed = run_commits(workspace, [commit], bench=args.bench, config=None)
        if failed:
            print(
                f"error: {len(failed)} benchmark(s) failed to run: {', '.join(failed)}",
                file=sys.stderr,
            )
            return ExitCode.CANNOT_JUDGE
        return check_sla(workspace, commit) if args.check_sla else ExitCode.OK
