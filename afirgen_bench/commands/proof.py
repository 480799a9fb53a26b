"""``proof``: known slowdowns committed in a scratch clone, to measure how often the gate
catches them and how often it cries wolf (levels, duet, deterministic)."""

from __future__ import annotations

import argparse
from pathlib import Path

from afirgen_bench.commands._arguments import at_least, given, machine_option
from afirgen_bench.commands._base import Command
from afirgen_bench.core.errors import ExitCode, HarnessError
from afirgen_bench.workspace import Workspace

PROOF_OUT = "docs/measurements/proof"
COST_PROOF_OUT = "docs/measurements/deterministic-proof"
DUET_PROOF_OUT = "docs/measurements/duet-proof"


class Proof(Command):
    name = "proof"
    help = (
        "in a scratch clone, commit known slowdowns and measure how often the gate "
        "catches them and how often it cries wolf"
    )
    description = (
        "In a scratch clone, commits known slowdowns and measures how often the gate "
        "catches them and how often it cries wolf: levels (slowdowns of a few percent in "
        "one backend function per area, each pair through the PR check), duet (slowdowns "
        "only time can see, each in duets against the base, and A/A duets), "
        "deterministic (no-op commits, then realistic regressions, on the counted figures)."
    )
    takes_machine = False  # each kind takes it

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        kinds = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
        levels = _kind(
            kinds,
            "levels",
            PROOF_OUT,
            "slowdowns at --levels in one backend function per area, each pair run through "
            "the PR check --pairs times",
        )
        levels.add_argument("--pairs", type=at_least(1), default=20, help="PR checks per level")
        levels.add_argument("--levels", default="0,3,5,10", help="injected slowdowns, in percent")
        duet = _kind(
            kinds,
            "duet",
            DUET_PROOF_OUT,
            "slowdowns only time can see (a worse query plan over the same rows, a 0.5 ms "
            "sleep in a request path, a pool lock held longer), each measured against the "
            "base in --checks duets, and as many A/A duets",
        )
        duet.add_argument(
            "--checks", type=at_least(1), default=20, help="duets per slowdown and A/A"
        )
        duet.add_argument(
            "--resume",
            action="store_true",
            help="keep the checks --out already holds (same backend and duet design)",
        )
        _add_deterministic(kinds)

    def run(self, args: argparse.Namespace, workspace: Workspace) -> int:
        from afirgen_bench.runner import log

        out = Path(args.out)
        if args.kind == "duet":
            from afirgen_bench.duet_proof import run_duet_proof

            run_duet_proof(
                workspace,
                checks=args.checks,
                out=out,
                progress=log,
                resume=args.resume,
            )
        elif args.kind == "deterministic":
            from afirgen_bench.cost_proof import run_cost_proof

            run_cost_proof(workspace, runs=args.runs, noops=args.noops, out=out, progress=log)
        else:
            from afirgen_bench.proof import run_proof

            try:
                levels = sorted({int(level) for level in args.levels.split(",")})
            except ValueError as exc:
                raise HarnessError(
                    f"--levels takes whole percentages like 0,3,5,10: {exc}"
                ) from exc
            run_proof(workspace, pairs=args.pairs, levels=levels, out=out, progress=log)
        print(out.with_suffix(".md").read_text())
        return ExitCode.OK


def _kind(
    kinds: argparse._SubParsersAction, name: str, out: str, text: str
) -> argparse.ArgumentParser:
    """One kind of proof, with the options every kind has (--machine, --out)."""
    kind = kinds.add_parser(name, parents=[machine_option()], help=text)
    kind.add_argument(
        "--out",
        type=given,
        default=out,
        help="writes OUT.md and OUT.json (rewritten after every repetition)",
    )
    return kind


def _add_deterministic(kinds: argparse._SubParsersAction) -> None:
    """The proof of the counted figures: no-op commits, then realistic regressions."""
    deterministic = _kind(
        kinds,
        "deterministic",
        COST_PROOF_OUT,
        "no-op commits (comments, docstrings, an unused helper, reordered imports, a module no "
        "operation calls, a test file), each counted in a run of its own, and realistic "
        "regressions (fixed work at +1, +2 and +5 %% of instructions, an extra query, a lost "
        "cache hit, a dropped index)",
    )
    deterministic.add_argument(
        "--runs",
        type=at_least(0),
        default=2,
        help="separate runs per injected head (0: the no-op commits only)",
    )
    deterministic.add_argument(
        "--noops",
        type=at_least(1),
        default=24,
        help="no-op commits, each counted in a run of its own (24 at most, about 2 minutes "
        "each here)",
    )
