"""``measure``: the layers timed next to their raw floors, and the HTTP API, in one run."""

from __future__ import annotations

import argparse
import sys

from afirgen_bench.commands._arguments import at_least, given_path
from afirgen_bench.commands._base import Command
from afirgen_bench.core.errors import ExitCode
from afirgen_bench.workspace import Workspace


class Measure(Command):
    name = "measure"
    help = "time the layers next to their raw floors, and the HTTP API, in one run"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--scale", type=at_least(1), default=100_000)
        parser.add_argument("--calls", type=at_least(1), default=5_000, help="per layer operation")
        parser.add_argument("--http-calls", type=at_least(1), default=2_000)
        parser.add_argument(
            "--generation-calls", type=at_least(1), default=200, help="per scenario"
        )
        parser.add_argument(
            "--fresh-load",
            action="store_true",
            help="drop and reload the data set, timing the load",
        )
        parser.add_argument("--output", type=given_path, help="also write the Markdown report here")

    def run(self, args: argparse.Namespace, workspace: Workspace) -> int:
        """Measure on private services (no checkout needed): the workspace is not used."""
        from afirgen_bench.measure import measure, private_services

        _runtime, urls, pids = private_services()
        report = measure(
            urls,
            pids,
            scale=args.scale,
            calls=args.calls,
            http_calls=args.http_calls,
            generation_calls=args.generation_calls,
            fresh_load=args.fresh_load,
            progress=lambda message: print(f"... {message}", file=sys.stderr),
        )
        text = report.markdown()
        print(text)
        if args.output:
            args.output.write_text(text + "\n")
        return ExitCode.OK
