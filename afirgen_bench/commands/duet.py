"""``duet``: two commits' wall times measured together, pair by pair, into results-duet/."""

from __future__ import annotations

import argparse

from afirgen_bench.commands._arguments import at_least, given, given_path, seconds
from afirgen_bench.commands._base import Command
from afirgen_bench.core.duet import DUET_PAIRS_FOR_S, DUET_ROUNDS, DUET_SCHEDULE, Schedule
from afirgen_bench.core.errors import ExitCode
from afirgen_bench.workspace import Workspace


class Duet(Command):
    name = "duet"
    help = (
        "measure two commits' wall times together, pair by pair, into results-duet/ "
        "(compare and history then judge their wall times on the pairs)"
    )
    description = (
        "Both commits' wall-time benchmarks, measured together in two worker processes (one "
        "per commit), sample after sample in pairs, in fresh processes per round; compare and "
        "history then judge those wall times on the pairs (docs/gate.md, 'Wall time in "
        "duet')."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("base", type=given)
        parser.add_argument("head", type=given)
        parser.add_argument("--bench", default=None, help="regex of benchmark keys (default: all)")
        parser.add_argument(
            "--schedule",
            choices=[s.value for s in Schedule],
            default=DUET_SCHEDULE.value,
            help="samples at the same moment, or one right after the other in a random order",
        )
        parser.add_argument(
            "--rounds", type=at_least(1), default=DUET_ROUNDS, help="fresh processes per round"
        )
        parser.add_argument(
            "--pairs-for",
            type=seconds,
            default=DUET_PAIRS_FOR_S,
            help="seconds of pairs per benchmark per round (judged with the calibration only "
            "when the design matches the calibrated one)",
        )
        parser.add_argument(
            "--output", type=given_path, default=None, help="where to write the pairs"
        )

    def run(self, args: argparse.Namespace, workspace: Workspace) -> int:
        """Measure the two commits' wall times in duet; write the pairs where the judge
        finds them (unless --output says elsewhere)."""
        from afirgen_bench.duet import duet_targets, run_duet
        from afirgen_bench.duet_store import record_path, write_record
        from afirgen_bench.git import resolve_commit

        root = workspace.root
        base, head = resolve_commit(root, args.base), resolve_commit(root, args.head)
        targets = duet_targets(workspace.results.index(), workspace.rules.gate, args.bench)
        record = run_duet(
            workspace,
            base,
            head,
            targets,
            schedule=Schedule(args.schedule),
            rounds=args.rounds,
            pairs_for=args.pairs_for,
        )
        out = args.output or record_path(workspace, base, head)
        write_record(record, out)
        problems = [f for f in record.figures.values() if f.problem]
        print(
            f"wrote {out}: {len(record.figures)} wall times in duet, {len(problems)} not measured"
        )
        for figure in problems:
            print(f"  {figure.key}: {figure.problem}")
        return ExitCode.CANNOT_JUDGE if problems else ExitCode.OK
