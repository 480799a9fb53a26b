"""Where a workflow works: the checkout, the machine, the results folder and the rules.

Built once, by the CLI from a command's options (``from_args``) or by a workflow for a
checkout of its own (``at``: a scratch clone, a shard's folder), and handed down whole, so
the place a judgement reads from travels as one value rather than three parameters that
could be mixed up.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from afirgen_bench.results_folder import ResultsFolder
    from afirgen_bench.rules import Rules


@dataclass(frozen=True)
class Workspace:
    """The repository, machine, results and rules a command works with, built once from its
    options. Each is found on first use only, in the order the handler asks: a command that
    never needs the checkout or the machine (``measure``, ``search-mix``) must not fail for
    want of one, and the first thing missing is the one the error names."""

    machine_option: str | None = None  # --machine, where the command has it
    results_option: Path | str | None = None  # --results-dir, where the command has it
    root_option: Path | None = None  # a checkout other than the current folder's

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Workspace:
        return cls(getattr(args, "machine", None), getattr(args, "results_dir", None))

    @classmethod
    def at(cls, root: Path, machine: str, results_dir: Path | None = None) -> Workspace:
        """A workspace in the checkout ``root`` (results in ``root/results`` unless given)."""
        return cls(machine, results_dir, root)

    def with_results(self, results_dir: Path) -> Workspace:
        """The same checkout and machine, reading and writing results in ``results_dir``."""
        return replace(self, results_option=results_dir)

    @cached_property
    def root(self) -> Path:
        """The benchmark repository's checkout (by default the one the current folder is in)."""
        if self.root_option is not None:
            return self.root_option
        from afirgen_bench.git import repo_root

        return repo_root()

    @cached_property
    def machine(self) -> str:
        """The machine whose results and calibration are used (see ``machine_name``)."""
        from afirgen_bench.machine import machine_name

        return machine_name(self.machine_option)

    @cached_property
    def results_dir(self) -> Path:
        """--results-dir, else the checkout's results/."""
        return Path(self.results_option) if self.results_option else self.root / "results"

    @cached_property
    def results(self) -> ResultsFolder:
        """This machine's results in the results folder."""
        from afirgen_bench.results_folder import ResultsFolder

        return ResultsFolder(self.results_dir, self.machine)

    @cached_property
    def rules(self) -> Rules:
        """sla.toml, the gate and this machine's calibration, as they are in the checkout."""
        from afirgen_bench.rules import load_rules

        return load_rules(self.root, self.machine)

    def rules_at(self, commit: str) -> Rules:
        """The rules as committed at ``commit``: a PR check judges by its base's rules, so a
        pull request cannot relax the gate that judges it."""
        from afirgen_bench.rules import load_rules

        return load_rules(self.root, self.machine, at_commit=commit)
