"""``report``: the summary, detailed, JSON and PR-comment reports of a comparison."""

from __future__ import annotations

import argparse
from pathlib import Path

from afirgen_bench.commands._arguments import given
from afirgen_bench.commands._base import Command
from afirgen_bench.commands._output import verdict
from afirgen_bench.workspace import Workspace


class Report(Command):
    name = "report"
    help = "write summary, detailed, JSON and PR-comment reports"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("base", nargs="?", type=given, default="HEAD~1")
        parser.add_argument("head", nargs="?", type=given, default="HEAD")
        parser.add_argument("--results-dir", type=given, default=None)
        parser.add_argument("--output", type=given, default="reports")

    def run(self, args: argparse.Namespace, workspace: Workspace) -> int:
        from afirgen_bench.core.reports import write_reports
        from afirgen_bench.judge import judge, refuse_swapped

        refuse_swapped(workspace.root, args.base, args.head)
        judgement = judge(workspace, args.base, args.head)
        for path in write_reports(judgement, Path(args.output)):
            print(path)
        print(judgement.headline)
        return verdict(judgement)
