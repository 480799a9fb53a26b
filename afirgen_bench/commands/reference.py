"""``reference``: docs/commands.md, written from the harness's own parser."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from afirgen_bench.commands._base import Command
from afirgen_bench.commands._output import write_generated
from afirgen_bench.workspace import Workspace


class Reference(Command):
    name = "reference"
    help = "write docs/commands.md, this reference, from the commands' parser"
    takes_machine = False

    def __init__(self, build_parser: Callable[[], argparse.ArgumentParser]) -> None:
        """``build_parser`` makes the harness's whole parser: given by ``afirgen_bench.cli``,
        which lists this command, so that this module need not import it back."""
        self._build_parser = build_parser

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="write nothing; exit 2 if the file is out of date"
        )

    def run(self, args: argparse.Namespace, workspace: Workspace) -> int:
        from afirgen_bench.reference import REFERENCE, markdown

        path = workspace.root / REFERENCE
        written = markdown(self._build_parser())
        return write_generated(
            path, written, shown=REFERENCE, stale="is out of date: run reference", check=args.check
        )
