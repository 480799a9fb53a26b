"""What every command is (``Command``) and what its handler works in (``Workspace``)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from afirgen_bench.commands._arguments import machine_option

if TYPE_CHECKING:
    from afirgen_bench.judge import Rules


@dataclass(frozen=True)
class Workspace:
    """The repository, machine, results and rules a command works with, built once from its
    options. Each is found on first use only, in the order the handler asks: a command that
    never needs the checkout or the machine (``measure``, ``search-mix``) must not fail for
    want of one, and the first thing missing is the one the error names."""

    machine_option: str | None = None  # --machine, where the command has it
    results_option: str | None = None  # --results-dir, where the command has it

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Workspace:
        return cls(getattr(args, "machine", None), getattr(args, "results_dir", None))

    @cached_property
    def root(self) -> Path:
        """The benchmark repository's checkout (the one the current folder is in)."""
        from afirgen_bench.git import repo_root

        return repo_root()

    @cached_property
    def machine(self) -> str:
        """The machine whose results and calibration are used (see ``machine_name``)."""
        from afirgen_bench.machine import machine_name

        return machine_name(self.machine_option)

    @cached_property
    def results_dir(self) -> Path:
        """--results-dir, else the repository's results/."""
        return Path(self.results_option) if self.results_option else self.root / "results"

    @cached_property
    def rules(self) -> Rules:
        """sla.toml, the gate and this machine's calibration, as they are in the checkout."""
        from afirgen_bench.judge import load_rules

        return load_rules(self.root, self.machine)


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
