"""``search-mix``: benchmarks/search_queries.json, written from the data set's terms."""

from __future__ import annotations

import argparse

from afirgen_bench.commands._base import Command
from afirgen_bench.commands._output import write_generated
from afirgen_bench.workspace import Workspace


class SearchMix(Command):
    name = "search-mix"
    help = "write benchmarks/search_queries.json from the data set's term frequencies"
    takes_machine = False

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--check", action="store_true", help="only check it is up to date")

    def run(self, args: argparse.Namespace, workspace: Workspace) -> int:
        """The file's place is fixed by the suite, not the checkout: the workspace is unused."""
        from afirgen_bench.search_mix import MIX_FILE, build_mix, render_mix, sample_complaints

        written = render_mix(build_mix(sample_complaints()))
        return write_generated(
            MIX_FILE,
            written,
            shown=MIX_FILE,
            stale="is not what the generator writes: run search-mix",
            check=args.check,
        )
