"""``show``: one benchmark's history, median and P95 by commit."""

from __future__ import annotations

import argparse

from afirgen_bench.commands._arguments import given
from afirgen_bench.commands._base import Command
from afirgen_bench.core.errors import ExitCode, HarnessError
from afirgen_bench.workspace import Workspace


class Show(Command):
    name = "show"
    help = "one benchmark's history: median and P95 by commit"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("benchmark", help="a benchmark name or a regex of names")
        parser.add_argument("--results-dir", type=given, default=None)

    def run(self, args: argparse.Namespace, workspace: Workspace) -> int:
        from afirgen_bench.show import benchmark_history

        rows = benchmark_history(workspace, args.benchmark)
        if not rows:
            raise HarnessError(f"no results for a benchmark matching '{args.benchmark}'")
        for row in rows:
            print(row)
        return ExitCode.OK
