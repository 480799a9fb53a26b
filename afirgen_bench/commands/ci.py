"""``ci``: the PR check, base and head benchmarked interleaved, then judged."""

from __future__ import annotations

import argparse
from pathlib import Path

from afirgen_bench.commands._arguments import given
from afirgen_bench.commands._base import Command
from afirgen_bench.commands._output import verdict
from afirgen_bench.core.errors import HarnessError
from afirgen_bench.workspace import Workspace

# What a PR check runs: the whole suite but the load test, whose 30 s run per commit and
# single noisy figures belong to the nightly history (`history`) and to `load`.
PR_SUITE = r"^(?!load\.)"


class Ci(Command):
    name = "ci"
    help = "PR check: benchmark base and head interleaved, judge, write reports"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--base", type=given, required=True)
        parser.add_argument("--head", type=given, default="HEAD")
        parser.add_argument(
            "--bench", default=None, help="asv -b regex (default: all but the load test)"
        )
        parser.add_argument("--reports", type=given, default="reports")

    def run(self, args: argparse.Namespace, workspace: Workspace) -> int:
        from afirgen_bench.confirm import confirm_regressions
        from afirgen_bench.core.reports import summary_text, write_reports
        from afirgen_bench.git import resolve_commit
        from afirgen_bench.judge import judge, pr_config, refuse_swapped
        from afirgen_bench.runner import run_commits

        root = workspace.root
        base, head = resolve_commit(root, args.base), resolve_commit(root, args.head)
        if base == head:
            raise HarnessError("base and head are the same commit: nothing to compare")
        refuse_swapped(root, base, head)
        # The rules at base, not the checkout's (workspace.rules): the PR cannot relax its
        # own gate.
        rules = workspace.rules_at(base)
        config, results_dir = pr_config(root)
        measured = workspace.with_results(results_dir)
        failed = run_commits(measured, [base, head], bench=args.bench or PR_SUITE, config=config)
        judgement = judge(measured, base, head, rules=rules)
        if failed:
            judgement = judgement.with_run_failures(failed)
        else:
            judgement = confirm_regressions(
                measured, base, head, judgement, rules=rules, folder="pr-confirm"
            )
        write_reports(judgement, Path(args.reports))
        print(summary_text(judgement))
        print(f"reports in {args.reports}/")
        return verdict(judgement)
