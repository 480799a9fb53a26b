"""``history``: the main job, which benchmarks, duets, judges and publishes main's history."""

from __future__ import annotations

import argparse

from afirgen_bench.commands._arguments import at_least
from afirgen_bench.commands._base import Command
from afirgen_bench.workspace import Workspace


class History(Command):
    name = "history"
    help = (
        "benchmark every backend-changing commit of main that has no results yet, "
        "compare the newest two, publish the site (offline-ready)"
    )
    description = (
        "The main job. It benchmarks the backend commits that have no results, measures each "
        "new one in a duet with its predecessor (results-duet/), and judges the newest two "
        "from what is stored: counted figures on their tolerances, wall times on the pairs of"
        " their duet. It re-runs nothing: wall times from different runs with no duet are "
        "reported unjudged."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--limit", type=at_least(1), default=None, help="only the newest N such commits"
        )
        parser.add_argument("--bench", default=None, help="asv -b regex: a subset of benchmarks")
        parser.add_argument("--no-publish", action="store_true")
        parser.add_argument(
            "--remeasure",
            action="store_true",
            help="benchmark every backend commit again in one run (after a design change)",
        )

    def run(self, args: argparse.Namespace, workspace: Workspace) -> int:
        from afirgen_bench.history import run_history

        return run_history(
            workspace,
            limit=args.limit,
            publish=not args.no_publish,
            bench=args.bench,
            remeasure=args.remeasure,
        )
