"""What every command is (``Command``) and what its handler works in (``Workspace``)."""

from __future__ import annotations

import argparse
from typing import ClassVar

from afirgen_bench.commands._arguments import machine_option
from afirgen_bench.workspace import Workspace


class Command:
    """One top-level command: its name and help, its arguments and its handler. A command
    with steps (``calibrate runs``, ``backfill plan``) adds them in ``add_arguments``."""

    name: ClassVar[str]
    help: ClassVar[str]
    description: ClassVar[str | None] = None
    # Whether the command itself takes --machine; a command with steps gives it to each
    # step that needs it instead.
    takes_machine: ClassVar[bool] = True

    def register(self, commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
        """Add this command to the harness's parser, with ``run`` as its handler."""
        parser = commands.add_parser(
            self.name,
            parents=[machine_option()] if self.takes_machine else [],
            help=self.help,
            description=self.description,
        )
        self.add_arguments(parser)
        parser.set_defaults(handler=self.run)
        return parser

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """The command's own arguments (none by default)."""

    def run(self, args: argparse.Namespace, workspace: Workspace) -> int:
        raise NotImplementedError
