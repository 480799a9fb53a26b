"""``load``: the Locust load test against the real server, judged against sla.toml."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from afirgen_bench.commands._arguments import at_least, given, seconds, share
from afirgen_bench.commands._base import Command
from afirgen_bench.core.errors import ExitCode
from afirgen_bench.workspace import Workspace


class Load(Command):
    name = "load"
    help = "Locust load test against the real server, then judge it"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--users", type=at_least(1), default=15)
        parser.add_argument("--duration", type=seconds, default=300, help="seconds")
        parser.add_argument(
            "--workers", type=at_least(0), default=0, help="local Locust workers (0: one process)"
        )
        parser.add_argument("--scale", type=at_least(1), default=100_000)
        parser.add_argument(
            "--search-share",
            type=share,
            default=0.0,
            help="make searches this share of the tasks, e.g. 0.5 for the search-heavy mix "
            "(default: the seed's weights, one task in eight)",
        )
        parser.add_argument(
            "--no-monitor",
            dest="monitor",
            action="store_false",
            help="run without the private Prometheus and exporters (no server-side view)",
        )
        parser.add_argument(
            "--out", type=given, default="reports/load", help="load.md, load.json, server-view.png"
        )

    def run(self, args: argparse.Namespace, workspace: Workspace) -> int:
        from afirgen_bench.judge import load_sla
        from afirgen_bench.load.report import load_table
        from afirgen_bench.load.runner import judge_load, run_load

        limits = load_sla(workspace.root).load_test
        result = run_load(
            users=args.users,
            duration_s=args.duration,
            workers=args.workers,
            scale=args.scale,
            out=Path(args.out),
            search_share=args.search_share,
            monitor=args.monitor,
            progress=lambda m: print(f"... {m}", file=sys.stderr),
        )
        problems = judge_load(result, limits)
        table = load_table(result, problems)
        Path(args.out, "load.md").write_text(table + "\n")
        print(table)
        return ExitCode.VERDICT_FAILED if problems else ExitCode.OK
