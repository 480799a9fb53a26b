"""``monitoring``: the alert rules and the Grafana dashboard, written from sla.toml and the
monitoring queries, and what scraping costs the load test (docs/monitoring.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from afirgen_bench.commands._arguments import at_least, given, machine_option, seconds
from afirgen_bench.commands._base import Command
from afirgen_bench.commands._output import write_generated
from afirgen_bench.core.errors import ExitCode
from afirgen_bench.workspace import Workspace


class Monitoring(Command):
    name = "monitoring"
    help = (
        "the alert rules and the Grafana dashboard (written from sla.toml and the "
        "monitoring queries), and what scraping costs the load test (docs/monitoring.md)"
    )
    takes_machine = False  # cost takes it

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        steps = parser.add_subparsers(dest="step", required=True)
        for name, text in (
            ("rules", "write monitoring/alerts.yml"),
            ("dashboard", "write monitoring/grafana/afirgen.json"),
        ):
            generated = steps.add_parser(name, help=text)
            generated.add_argument(
                "--check", action="store_true", help="write nothing; exit 2 if it is out of date"
            )
        cost = steps.add_parser(
            "cost",
            parents=[machine_option()],
            help="load runs with and without Prometheus, interleaved; exit 1 if scraping costs "
            "more than 2 %% of the requests per second",
        )
        cost.add_argument("--pairs", type=at_least(1), default=3)
        cost.add_argument("--users", type=at_least(1), default=15)
        cost.add_argument("--duration", type=seconds, default=60, help="seconds per run")
        cost.add_argument("--scale", type=at_least(1), default=100_000)
        cost.add_argument(
            "--out", type=given, default="reports/scrape-cost", help="scrape-cost.md and .json"
        )

    def run(self, args: argparse.Namespace, workspace: Workspace) -> int:
        """Write (or check) a file generated from sla.toml and the monitoring queries, or
        measure what scraping costs the load test."""
        if args.step == "cost":
            return _cost(args)
        from afirgen_bench.monitoring import generated

        root = workspace.root
        path, written = generated.files(root)[args.step]
        return write_generated(
            root / path,
            written,
            shown=path,
            stale=f"is out of date: run monitoring {args.step}",
            check=args.check,
        )


def _cost(args: argparse.Namespace) -> int:
    """Measure what scraping costs the load test: exit 1 when it costs more than allowed."""
    from afirgen_bench.monitoring.cost import measure

    summary = measure(
        pairs=args.pairs,
        users=args.users,
        duration_s=args.duration,
        scale=args.scale,
        out=Path(args.out),
        progress=lambda m: print(f"... {m}", file=sys.stderr),
    )
    print(Path(args.out, "scrape-cost.md").read_text())
    return ExitCode.OK if summary["met"] else ExitCode.VERDICT_FAILED
